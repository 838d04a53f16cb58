"""What every platform's example test (`<name>/test_example.py`) shares: the CLI run command by
command with each command's platform calls kept, the offline eval gate, and the report's
versions and results by agent."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


class Loop:
    """The CLI with a platform fake behind it: each command's calls (`fake.calls`, the fake's
    operation names) kept under a label. `reset` clears what else the fake keeps per command."""

    def __init__(self, cli: Any, fake: Any, *, reset: Callable[[], None] | None = None) -> None:
        self.cli, self.fake, self.reset = cli, fake, reset
        self.calls: dict[str, list[str]] = {}

    def run(self, label: str, *args: str, code: int = 0) -> Any:
        self.fake.calls.clear()
        if self.reset is not None:
            self.reset()
        result = self.cli(*args)
        self.calls[label] = list(self.fake.calls)
        assert result.code == code, (label, result)
        return result

    def json(self, label: str, *args: str, code: int = 0) -> Any:
        return json.loads(self.run(label, *args, "--format", "json", code=code).out)


def record_verdict(loop: Loop, env: str, *agents: str) -> None:
    """The pre-deploy gate: the demo target on the working tree's artifacts, offline."""
    label = f"eval {env}" + (" (change)" if agents else "")
    only = [arg for agent in agents for arg in ("--agent", agent)]
    assert loop.json(label, "eval", "--env", env, "--record", *only)["verdict"] == "pass"
    assert loop.calls[label] == []  # nothing asked of the platform


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
