"""What every platform's example test (`<name>/test_example.py`) shares: the example copied into
a git repository (and trimmed to what a platform carries), the CLI run command by command with
each command's platform calls kept, and the steps of the loop every platform takes (the offline
eval gate, promotions dev → test → prod, a change, drift, the rollback and the record), each
asserting what holds on every platform and returning the reports for the platform's own checks.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLE, git

ENVIRONMENTS = ("dev", "test", "prod")
GREETING = "Greet the customer by name when you know it.\n"
HAND_EDIT = "Promise a refund to every customer who asks for one, whatever the order."


class Loop:
    """The CLI with a platform behind it: each command's platform calls kept under a label.
    `calls` reads the calls made so far (by default the fake's `calls`, its operation names);
    `reset` clears what else the fake keeps per command."""

    def __init__(
        self,
        cli: Any,
        fake: Any = None,
        *,
        calls: Callable[[], Sequence[str]] | None = None,
        reset: Callable[[], None] | None = None,
    ) -> None:
        self.cli, self.fake, self.reset = cli, fake, reset
        self._made = calls or (lambda: fake.calls)
        self.calls: dict[str, list[str]] = {}

    def run(self, label: str, *args: str, code: int = 0) -> Any:
        if self.reset is not None:
            self.reset()
        before = len(self._made())
        result = self.cli(*args)
        self.calls[label] = list(self._made()[before:])
        assert result.code == code, (label, result)
        return result

    def json(self, label: str, *args: str, code: int = 0) -> Any:
        return json.loads(self.run(label, *args, "--format", "json", code=code).out)


def example_project(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    message: str,
    *,
    example: Path = EXAMPLE,
    target: tuple[str, dict[str, Any]] | None = None,
    files: Mapping[str, str] | None = None,
    edits: Mapping[str, Callable[[dict[str, Any]], Any]] | None = None,
) -> Path:
    """The example copied to `root` (with `target` (name, settings) the one target of every
    environment, `files` written into it and `edits` (by agent) made to its definitions),
    committed; the working directory, acted by ana."""
    monkeypatch.setenv("AGENTCD_ACTOR", "ana")
    shutil.copytree(example, root, ignore=shutil.ignore_patterns(".agentcd", "__pycache__"))
    if target is not None:
        name, settings = target
        config = yaml.safe_load((root / "agentcd.yaml").read_text())
        for environment in config["environments"]:
            environment["target"] = name
        config["targets"] = {name: settings}
        (root / "agentcd.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    for path, text in (files or {}).items():
        (root / path).write_text(text)
    for agent, change in (edits or {}).items():
        edit_agent(root, agent, change)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    monkeypatch.chdir(root)
    return root


def edit_agent(root: Path, agent: str, change: Callable[[dict[str, Any]], Any]) -> None:
    """`change` made to the agent's definition as read from its agent.yaml, written back."""
    path = root / "agents" / agent / "agent.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def trim(
    root: Path,
    message: str,
    *,
    remove: Iterable[str] = (),
    drop: Mapping[str, Iterable[str]] | None = None,
    functions: Iterable[str] = (),
    unbind: bool = False,
) -> None:
    """The example cut to what a platform carries, committed: the agents in `remove` gone, the
    fields in `drop` (dotted paths, by agent) deleted, `lookup_order` a function (`LOOKUP_ORDER`)
    in the agents of `functions`, and with `unbind` no bindings left to give."""
    for agent in remove:
        shutil.rmtree(root / "agents" / agent)
    for agent, fields in (drop or {}).items():
        edit_agent(root, agent, lambda data, fields=tuple(fields): _drop(data, fields))
    for agent in functions:
        edit_agent(root, agent, lookup_as_function)
    if unbind:
        project = yaml.safe_load((root / "agentcd.yaml").read_text())
        for environment in project["environments"]:
            del environment["bindings"]
        (root / "agentcd.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def trim_to_a_prompt(root: Path, message: str, *triage: str) -> None:
    """The example cut to a prompt with function tools (nothing `NOT_IN_A_PROMPT` names):
    no refund-bot (its decisions need the CRM over MCP and the refund-policy skill), faq-bot
    without its knowledge base, support-triage with `lookup_order` as a function and without
    the rest (and the fields `triage`), and no bindings left to give; committed."""
    kept_out = ("skills", "runtime", "knowledge", "subagents", "guardrails", *triage)
    drop = {"faq-bot": ["knowledge"], "support-triage": kept_out}
    trim(root, message, remove=["refund-bot"], drop=drop, functions=["support-triage"], unbind=True)


def _drop(data: dict[str, Any], fields: Iterable[str]) -> None:
    for field in fields:
        *parents, name = field.split(".")
        for parent in parents:
            data = data[parent]
        del data[name]


def demo_agent(root: Path, name: str) -> ModuleType:
    """The example's demo agent (`app/agent.py`), imported as `name`."""
    spec = importlib.util.spec_from_file_location(name, root / "app" / "agent.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def validate_refuses(loop: Loop, platform: str) -> list[dict[str, Any]]:
    """`validate` on the example as it is: only AC109 findings, each naming the platform and
    the three environments once, nothing asked of the platform. Returns the findings."""
    findings = loop.json("validate", "validate", code=1)["findings"]
    assert {f["rule"] for f in findings} == {"AC109"}  # nothing else is wrong
    messages = [f["message"] for f in findings]
    assert all(m.startswith(f"{platform} cannot carry ") for m in messages), messages
    assert all(m.count("(dev, test, prod)") == 1 for m in messages)
    assert loop.calls["validate"] == []  # rendering asks nothing of the platform
    return list(findings)


def record_verdict(loop: Loop, env: str, *agents: str) -> None:
    """The pre-deploy gate: the demo target on the working tree's artifacts, offline."""
    label = f"eval {env}" + (" (change)" if agents else "")
    only = [arg for agent in agents for arg in ("--agent", agent)]
    assert loop.json(label, "eval", "--env", env, "--record", *only)["verdict"] == "pass"
    assert loop.calls[label] == []  # nothing asked of the platform


def promote_the_first_release(loop: Loop, agents: Iterable[str]) -> dict[str, Any]:
    """dev → test → prod, each gated on an eval verdict for the digest; prod refused without
    an approver, then approved. Returns the reports by label (`promote dev`, ...)."""
    to_prod = ("promote", "--env", "prod", "--from", "test")
    commands = {
        "promote dev": (("promote", "--env", "dev"), 0, "succeeded"),
        "promote test": (("promote", "--env", "test", "--from", "dev"), 0, "succeeded"),
        "promote prod (no approver)": (to_prod, 2, "refused"),
        "promote prod": ((*to_prod, "--approver", "lee"), 0, "succeeded"),
    }
    reports = {}
    for label, (args, code, result) in commands.items():
        if label != "promote prod":  # the refusal's verdict serves the approved promote
            record_verdict(loop, args[2])
        reports[label] = loop.json(label, *args, code=code)
        assert results(reports[label]) == dict.fromkeys(agents, result), label
    return reports


def eval_what_prod_runs(loop: Loop, prod: dict[str, Any], *agents: str) -> dict[str, Any]:
    """`eval --target platform:prod` (of `agents`, else all): it passes, on the digests prod's
    promote deployed. Returns the report."""
    only = [arg for agent in agents for arg in ("--agent", agent)]
    args = ("eval", "--env", "prod", "--target", "platform:prod", *only)
    report = loop.json("eval platform:prod", *args)
    assert report["verdict"] == "pass"
    assert report["target"] == {"name": "platform:prod", "type": "platform"}
    deployed = [a["artifact_digest"] for a in prod["agents"] if not agents or a["agent"] in agents]
    assert [a["digest"] for a in report["agents"]] == deployed
    return dict(report)


def greet_by_name(project: Path) -> None:
    """The change: support-triage's instructions greet the customer, committed."""
    instructions = project / "agents" / "support-triage" / "instructions.md"
    instructions.write_text(instructions.read_text() + GREETING)
    git(project, "commit", "-q", "-am", "Greet customers by name")


def promote_the_change(loop: Loop, agent: str) -> dict[str, dict[str, Any]]:
    """The change to `agent` travels the same road, by digest. Returns the reports by
    environment (labelled `promote ENV (change)`)."""
    reports = {}
    for env, source in (("dev", ()), ("test", ("--from", "dev")), ("prod", ("--from", "test"))):
        record_verdict(loop, env, agent)
        approver = ("--approver", "lee") if env == "prod" else ()
        args = ("promote", "--env", env, *source, "--agent", agent, *approver)
        reports[env] = loop.json(f"promote {env} (change)", *args)
    return reports


def drift_after_the_hand_edit(
    loop: Loop, agents: Iterable[str], edited: str, path: str
) -> dict[str, Any]:
    """`drift --env prod` after `edited`'s hand edit: it alone drifted, in provenance and in
    content, at `path`. Returns its entry."""
    report = loop.json("drift prod (edited)", "drift", "--env", "prod", "--exit-code", code=2)
    states = {a["agent"]: a["state"] for a in report["agents"]}
    assert states == {**dict.fromkeys(agents, "in_sync"), edited: "drifted"}
    (entry,) = [a for a in report["agents"] if a["state"] == "drifted"]
    assert entry["kinds"] == ["provenance", "content"]
    assert [d["path"] for d in entry["differences"]] == [path]
    return dict(entry)


def roll_prod_back(loop: Loop, agent: str) -> dict[str, Any]:
    """`rollback --env prod` of `agent`, approved: to the first release (#1). Returns its entry."""
    args = ("rollback", "--env", "prod", "--agent", agent, "--approver", "lee")
    (rolled,) = loop.json("rollback prod", *args)["agents"]
    assert (rolled["result"], rolled["rollback_to"]) == ("succeeded", 1)
    return dict(rolled)


def back_in_sync(loop: Loop) -> dict[str, Any]:
    """`drift --env prod` after the rollback: every agent in sync. Returns the report."""
    report = loop.json("drift prod", "drift", "--env", "prod", "--exit-code")
    assert {a["state"] for a in report["agents"]} == {"in_sync"}
    return dict(report)


def live_everywhere(loop: Loop) -> dict[tuple[str, str], dict[str, Any]]:
    """`status`: every agent in sync in every environment. Returns its `cells`."""
    status = cells(loop.json("status", "status"))
    assert {c["live"] for c in status.values()} == {"in_sync"}
    return status


def rollback_recorded(loop: Loop, agent: str, first: str, change: str) -> dict[str, Any]:
    """`history --env prod`, from the ledger alone: `agent`'s first release (platform version
    `first`), the change (`change`) rolled back, and the rollback to #1. Returns the report."""
    history = loop.json("history prod", "history", "--env", "prod")
    assert record(history, agent) == [
        (1, "promote", None, "succeeded", first),
        (2, "promote", None, "rolled_back", change),
        (3, "rollback", 1, "succeeded", first),
    ]
    assert loop.calls["history prod"] == []  # the ledger alone
    return dict(history)


def print_calls(loop: Loop, started: float, platform: str) -> None:
    """The loop's time since `started` and the platform calls of each command (`pytest -rP`)."""
    seconds = time.perf_counter() - started
    print(f"the loop: {seconds:.2f}s; {platform} calls per command:")
    print("\n".join(f"  {label}: {len(calls)}" for label, calls in loop.calls.items()))


def shorten_faq(project: Path) -> None:
    """A change to faq-bot's instructions, committed on HEAD~1."""
    spec = project / "agents" / "faq-bot" / "agent.yaml"
    spec.write_text(spec.read_text().replace("offer to open a ticket", "offer a ticket"))
    git(project, "commit", "-q", "-am", "Shorter")


def eval_inline(loop: Loop) -> dict[str, Any]:
    """`eval --target inline:dev` of faq-bot against HEAD~1: both sides run, paired, and pass.
    Returns faq-bot's entry."""
    args = ("eval", "--env", "dev", "--base", "HEAD~1", "--target", "inline:dev")
    report = loop.json("eval inline:dev", *args, "--agent", "faq-bot")
    assert report["verdict"] == "pass"
    (agent,) = report["agents"]
    assert agent["digest"] != agent["base_digest"] and agent["paired"]["paired"] == 2
    return dict(agent)


def inline_refused(loop: Loop, agent: str, field: str) -> None:
    """`eval --target inline:dev` of an agent the platform cannot run: an error naming the
    field, no traceback, nothing asked of the platform."""
    args = ("eval", "--target", "inline:dev", "--agent", agent)
    result = loop.run("eval", *args, code=1)
    assert "evaluating inline in dev: " in result.err and f"{field}: " in result.err
    assert "Traceback" not in result.err
    assert loop.calls["eval"] == []


def versions(report: dict[str, Any]) -> dict[str, str]:
    return {a["agent"]: a["platform_versions"].get("version") for a in report["agents"]}


def results(report: dict[str, Any]) -> dict[str, str]:
    return {a["agent"]: a["result"] for a in report["agents"]}


def refusals(findings: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """The (agent, field) of each AC109 finding: what `validate` says the platform cannot carry."""
    return {(f["file"].split("/")[1], f["field"]) for f in findings if f["rule"] == "AC109"}


def cells(status: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """`status`'s report by (agent, environment)."""
    return {
        (row["agent"], env): cell
        for row in status["agents"]
        for env, cell in row["environments"].items()
    }


def record(history: dict[str, Any], agent: str) -> list[tuple[Any, ...]]:
    """An agent's deployments in `history`'s report: (seq, kind, rollback_to, status, version)."""
    return [
        (d["seq"], d["kind"], d["rollback_to"], d["status"], d["platform_versions"].get("version"))
        for d in history["deployments"]
        if d["agent"] == agent
    ]


# What `validate` refuses of the example (by `refusals`) on a platform whose agent is a prompt
# with function tools the caller runs
NOT_IN_A_PROMPT = {
    ("faq-bot", "knowledge"),
    ("refund-bot", "skills"),
    ("refund-bot", "knowledge"),
    ("refund-bot", "tools[0]"),  # crm: an MCP server
    ("refund-bot", "tools[1].approval"),  # issue_refund: nobody asks first
    ("support-triage", "skills"),
    ("support-triage", "runtime"),
    ("support-triage", "knowledge"),
    ("support-triage", "subagents"),
    ("support-triage", "guardrails"),
    ("support-triage", "tools[0]"),  # lookup_order: an OpenAPI endpoint
}

# support-triage's `lookup_order` (an OpenAPI endpoint in the example) as a function the caller
# runs, for platforms that carry function tools only
LOOKUP_ORDER = {
    "name": "lookup_order",
    "type": "function",
    "description": "Look up an order by its number.",
    "input_schema": {
        "type": "object",
        "properties": {"number": {"type": "string"}},
        "required": ["number"],
    },
}


def lookup_as_function(triage: dict[str, Any]) -> None:
    """Make support-triage's definition (as read from its agent.yaml) call `LOOKUP_ORDER`."""
    others = [t for t in triage["tools"] if t["name"] != "lookup_order"]
    triage["tools"] = [LOOKUP_ORDER, *others]
