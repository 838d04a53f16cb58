"""`agentcd eval --target platform`: what an environment runs, evaluated through its platform,
bound to the digest the ledger records there; refused when that binding cannot be trusted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentcd.errors import ConfigError
from tests.commands.deploying import (  # noqa: F401 (fixtures)
    clock_fixture,
    history,
    ledger,
    project_fixture,
)

TRIAGE_INSTRUCTIONS = "agents/support-triage/instructions.md"


def regress(repo: Path) -> None:
    """The demo agent promises refunds once its instructions stop forbidding it."""
    path = repo / TRIAGE_INSTRUCTIONS
    text = path.read_text(encoding="utf-8")
    assert "; never promise a refund yourself" in text
    path.write_text(text.replace("; never promise a refund yourself", ""), encoding="utf-8")


def evaluate(cli: Any, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli("eval", "--format", "json", *args)
    assert result.code in (0, 2), result
    return result.code, json.loads(result.out)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in report["agents"]}


def test_the_deployed_digest_is_evaluated_not_the_working_trees(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev").code == 0
    dev = {r.agent: r for r in history(project, "dev")}
    regress(project)  # uncommitted: the working tree's support-triage now fails the bar
    code, tree = evaluate(cli, "--env", "test")
    assert (code, by_name(tree)["support-triage"]["verdict"]) == (2, "fail")

    code, report = evaluate(cli, "--env", "test", "--target", "platform:dev")
    assert (code, report["verdict"]) == (0, "pass")
    assert report["target"] == {"name": "platform:dev", "type": "platform"}
    assert report["environment"] == "test"  # test's thresholds, on what dev runs
    triage = by_name(report)["support-triage"]
    assert {a["name"]: a["digest"] for a in report["agents"]} == {
        a: r.artifact_digest for a, r in dev.items()
    }
    assert triage["digest"] != by_name(tree)["support-triage"]["digest"]
    assert triage["base_digest"] is None and triage["paired"] is None
    assert triage["notes"][0] == (
        f"dev runs #1: artifact {dev['support-triage'].artifact_digest[7:19]}, "
        f"deployment {dev['support-triage'].deployment_digest[7:19]}"
    )
    assert triage["notes"][1].startswith("the working tree's definition is ")
    assert report["run"]["trials_cached"] == 0


def test_the_builtin_target_defaults_to_the_gates_environment(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    result = cli("eval", "--target", "platform", "--agent", "faq-bot")
    assert result.code == 0, result
    assert result.out.startswith("eval gate: PASS (environment dev, target platform)")
    assert "note: evaluates what dev runs, through its platform" in result.out


def test_nothing_deployed_is_refused(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    result = cli("eval", "--env", "test", "--target", "platform:dev")
    assert result.code == 1
    assert result.err == (
        "error: evaluating what dev runs: nothing runs in dev for refund-bot, support-triage "
        "(the ledger records no successful deployment: promote first, or leave it out with "
        "--agent)\n"
    )
    assert cli("eval", "--target", "platform:dev", "--agent", "faq-bot").code == 0


def test_a_drifted_or_unreadable_deployment_is_refused(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    live = project / ".agentcd" / "deployed" / "dev" / "faq-bot.json"
    approved = live.read_text(encoding="utf-8")
    live.write_text(approved.replace("open a ticket", "close the ticket"), encoding="utf-8")
    drifted = cli("eval", "--target", "platform:dev", "--agent", "faq-bot", "--record")
    assert drifted.code == 1
    assert drifted.err.startswith(
        "error: evaluating what dev runs: faq-bot is drifted in dev (the live configuration "
        "differs from the approved one), so a verdict would not be bound to the recorded digest"
    )
    live.write_text("{not json", encoding="utf-8")
    unknown = cli("eval", "--target", "platform:dev", "--agent", "faq-bot")
    assert unknown.code == 1
    assert "faq-bot is unknown in dev (dev/faq-bot.json: not JSON" in unknown.err
    live.write_text(approved, encoding="utf-8")
    assert cli("eval", "--target", "platform:dev", "--agent", "faq-bot").code == 0
    assert _evals(project) == []  # the refused --record wrote nothing


TAMPER = """
from pathlib import Path
from app.agent import respond_deployed

def answer(config, request):
    live = Path(__file__).parent / ".agentcd" / "deployed" / "dev" / "faq-bot.json"
    live.write_text(live.read_text().replace("open a ticket", "close the ticket"))
    return respond_deployed(config, request)
"""


def test_a_deployment_changed_during_the_run_gives_no_verdict(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    # The file platform imports its invoker by module name, once per process: a fresh name.
    module = f"tamper_{project.parent.name.replace('-', '_')}"
    (project / f"{module}.py").write_text(TAMPER, encoding="utf-8")
    config = project / "agentcd.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("app.agent:respond_deployed", f"{module}:answer"))
    args = ("--target", "platform:dev", "--agent", "faq-bot", "--concurrency", "1")
    result = cli("eval", *args, "--record")  # one trial at a time: one edit at a time
    assert result.code == 1
    assert "faq-bot is drifted in dev" in result.err
    assert result.out == ""  # no report
    assert _evals(project) == []  # and nothing recorded


def _evals(repo: Path) -> list[Any]:
    return list(ledger(repo).evals())


def test_a_promotion_during_the_run_gives_no_verdict(cli, project: Path) -> None:
    from agentcd.adapters.source import WorkTree
    from agentcd.commands._eval_deployed import open_deployments
    from agentcd.core.definition.load import load_workspace
    from agentcd.core.evals.plan import plan_eval
    from agentcd.wiring import edges
    from tests.commands.deploying import commit_change

    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    head = load_workspace(WorkTree(project))
    plan = plan_eval(head, None, target="platform:dev", agents=("faq-bot",))
    deployments = open_deployments(edges(project), head.project, plan)
    _, evaluated = deployments.bind(plan)
    deployments.verify_unchanged(evaluated)  # nothing happened meanwhile
    commit_change(project, "faq-bot", "Be brief.", "Brevity")
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0  # meanwhile
    with pytest.raises(ConfigError) as e:
        open_deployments(edges(project), head.project, plan).verify_unchanged(evaluated)
    assert str(e.value) == (
        "evaluating what dev runs: faq-bot changed during the run, so the verdict is not bound "
        "to one deployment; run it again"
    )
