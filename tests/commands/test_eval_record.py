"""`agentcd eval --record`: each agent's verdict goes into the ledger, bound to the artifact digest
and the report's digest, and `promote` reads it at the gate. On the example, SQLite ledger."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from agentcd.core.evals.verdict import Verdict
from tests.commands.deploying import (  # noqa: F401 (fixtures)
    clock_fixture,
    history,
    ledger,
    project_fixture,
)
from tests.conftest import git

AGENTS = ["faq-bot", "refund-bot", "support-triage"]


def record_on_dev(cli: Any, project: Path, name: str) -> tuple[int, Path]:
    """Evaluate what dev runs with test's thresholds, record it, keep the JSON report."""
    report = project.parent / name
    result = cli(
        "eval", "--env", "test", "--target", "platform:dev", "--record",
        "--format", "json", "--output", str(report),
    )  # fmt: skip
    assert result.code in (0, 2), result
    return result.code, report


def promote_test(cli: Any) -> tuple[int, dict[str, Any]]:
    result = cli("promote", "--env", "test", "--from", "dev", "--format", "json")
    assert result.code in (0, 2), result
    return result.code, json.loads(result.out)


def checks(report: dict[str, Any], agent: str) -> dict[str, dict[str, str]]:
    outcome = next(a for a in report["agents"] if a["agent"] == agent)
    return {c["name"]: c for c in outcome["checks"]}


def test_recorded_verdicts_are_bound_to_the_digests_and_the_report(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev").code == 0
    code, path = record_on_dev(cli, project, "eval-dev.json")
    assert code == 0
    data = json.loads(path.read_bytes())
    report_digest = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    dev = {r.agent: r for r in history(project, "dev")}
    records = ledger(project).evals()
    assert [(r.agent, r.environment, r.verdict) for r in records] == [
        (a, "test", Verdict.PASS) for a in AGENTS
    ]
    for record, agent in zip(records, data["agents"], strict=True):
        assert record.artifact_digest == dev[record.agent].artifact_digest == agent["digest"]
        assert record.report_digest == report_digest
        assert record.suite_digests == {s["path"]: s["digest"] for s in agent["suites"]}
        assert record.suite_digests  # every example agent has a suite
        assert (record.target, record.actor) == ("platform:dev", "ana")
    assert len({r.recorded_at for r in records}) == 1  # one reading of the clock


def test_a_passing_verdict_lets_the_digest_into_test(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev").code == 0
    _, path = record_on_dev(cli, project, "eval-dev.json")
    code, report = promote_test(cli)
    assert code == 0, report
    assert checks(report, "support-triage")["eval"] == {
        "name": "eval",
        "outcome": "pass",
        "reason": "passed with test's thresholds",
    }
    digest = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert {(r.eval_verdict, r.eval_report_digest) for r in history(project, "test")} == {
        (Verdict.PASS, digest)
    }


def test_a_failing_verdict_keeps_the_digest_out_of_test(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev").code == 0
    record_on_dev(cli, project, "eval-good.json")
    assert promote_test(cli)[0] == 0
    text = (project / "agents/support-triage/instructions.md").read_text(encoding="utf-8")
    (project / "agents/support-triage/instructions.md").write_text(
        text.replace("; never promise a refund yourself", ""), encoding="utf-8"
    )
    git(project, "commit", "-q", "-am", "Friendlier refunds")
    assert cli("promote", "--env", "dev").code == 0  # dev's gate only wants an eval if any
    before = history(project, "test")

    code, _ = record_on_dev(cli, project, "eval-bad.json")
    assert code == 2
    failed = [r for r in ledger(project).evals() if r.verdict is Verdict.FAIL]
    assert [r.agent for r in failed] == ["support-triage"]
    assert failed[0].artifact_digest == history(project, "dev")[-1].artifact_digest

    code, report = promote_test(cli)
    assert code == 2
    assert checks(report, "support-triage")["eval"] == {
        "name": "eval",
        "outcome": "fail",
        "reason": "the latest eval verdict is fail",
    }
    assert history(project, "test") == before  # a refusal changes nothing
    text_out = cli("promote", "--env", "test", "--from", "dev").out
    assert text_out.startswith("promote to test: refused, nothing was applied")
    assert "eval: the latest eval verdict is fail" in text_out


def test_without_a_verdict_a_gate_that_requires_one_refuses(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev").code == 0
    code, report = promote_test(cli)
    assert code == 2
    eval_check = checks(report, "faq-bot")["eval"]
    assert eval_check["outcome"] == "fail"
    assert eval_check["reason"].startswith("required, but no eval verdict is recorded for ")
    assert history(project, "test") == ()


def test_a_verdict_with_other_thresholds_does_not_count(cli, project: Path) -> None:
    """dev's thresholds are not test's: a pass recorded for dev leaves test's gate closed."""
    assert cli("promote", "--env", "dev").code == 0
    result = cli("eval", "--env", "dev", "--target", "platform", "--record")
    assert result.code == 0, result
    assert {r.environment for r in ledger(project).evals()} == {"dev"}
    assert promote_test(cli)[0] == 2


def test_recording_the_working_trees_verdict_binds_its_digest(cli, project: Path) -> None:
    result = cli("eval", "--env", "test", "--agent", "faq-bot", "--record")
    assert result.code == 0, result
    (record,) = ledger(project).evals()
    built = json.loads(cli("build", "--format", "json").out)["bundles"]
    assert record.artifact_digest == next(b["digest"] for b in built if b["name"] == "faq-bot")
    assert (record.target, record.environment) == ("demo", "test")
    assert result.err.splitlines()[-1] == (
        f"recorded faq-bot {record.artifact_digest}: pass with test's thresholds "
        f"(report {record.report_digest})"
    )
