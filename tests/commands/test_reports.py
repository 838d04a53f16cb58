"""status, history, audit and drift on one scripted history: golden outputs and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.commands.deploying import (  # noqa: F401 (fixtures)
    clock_fixture,
    commit_change,
    project_fixture,
    record_passing_evals,
    scrub,
)


@pytest.fixture
def story(cli, project: Path) -> Path:
    """Every agent promoted dev, test, prod; then a change in dev, rolled back; then prod and
    test tampered with by hand in three different ways."""
    for env in ("dev", "test", "prod"):
        record_passing_evals(project, env)
        assert cli("promote", "--env", env, "--approver", "lee").code == 0
    commit_change(project, "support-triage", "Always answer in French.", "French answers (#12)")
    assert cli("promote", "--env", "dev", "--agent", "support-triage").code == 0
    assert cli("rollback", "--env", "dev", "--agent", "support-triage").code == 0
    deployed = project / ".agentcd" / "deployed"
    faq = deployed / "prod" / "faq-bot.json"  # content: instructions edited on the platform
    faq.write_text(faq.read_text().replace("If the answer is not there", "If unsure, guess"))
    refund = deployed / "test" / "refund-bot.json"  # provenance: a digest nobody recorded
    data = json.loads(refund.read_text())
    data["agentcd"]["deployment_digest"] = "sha256:" + "e" * 64
    refund.write_text(json.dumps(data))
    (deployed / "prod" / "support-triage.json").write_text("{ half a file")  # unknown
    return project


def test_status(cli, story: Path, golden) -> None:
    golden("promotion/status.txt", scrub(cli("status").out, story))
    golden("promotion/status.json", scrub(cli("status", "--format", "json").out, story))


def test_history(cli, story: Path, golden) -> None:
    golden("promotion/history-dev.txt", scrub(cli("history", "--env", "dev").out, story))
    golden(
        "promotion/history-prod.json",
        scrub(cli("history", "--env", "prod", "--format", "json").out, story),
    )
    only = cli("history", "--env", "dev", "--agent", "support-triage")
    assert [line.split()[1] for line in only.out.splitlines()[2:]] == ["support-triage"] * 3


def test_audit(cli, story: Path, golden) -> None:
    golden("promotion/audit-dev.md", scrub(cli("audit", "--env", "dev").out, story))
    golden(
        "promotion/audit-prod.json",
        scrub(cli("audit", "--env", "prod", "--format", "json").out, story),
    )
    late = cli("audit", "--env", "dev", "--since", "2026-05-04T08:15:00", "--format", "json")
    assert [c["seq"] for c in json.loads(late.out)["changes"]] == [2, 3]


def test_drift(cli, story: Path, golden) -> None:
    text = cli("drift")
    assert text.code == 0  # a report, not a verdict, without --exit-code
    golden("promotion/drift.txt", scrub(text.out, story))
    golden("promotion/drift.json", scrub(cli("drift", "--format", "json").out, story))
    golden("promotion/drift.md", scrub(cli("drift", "--format", "md").out, story))


@pytest.mark.parametrize(("env", "code"), [("dev", 0), ("test", 2), ("prod", 2)])
def test_drift_exit_code(cli, story: Path, env: str, code: int) -> None:
    assert cli("drift", "--env", env, "--exit-code").code == code


def test_unknown_is_never_in_sync(cli, story: Path) -> None:
    report = json.loads(cli("drift", "--env", "prod", "--format", "json").out)
    states = {a["agent"]: (a["state"], a["kinds"]) for a in report["agents"]}
    assert states == {
        "faq-bot": ("drifted", ["content"]),
        "refund-bot": ("in_sync", []),
        "support-triage": ("unknown", []),
    }
    assert cli("drift", "--env", "prod", "--exit-code").code == 2


def test_an_unrecorded_agent_on_the_platform_is_provenance_drift(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    deployed = project / ".agentcd" / "deployed" / "dev"
    (deployed / "stowaway.json").write_text((deployed / "faq-bot.json").read_text())
    report = json.loads(cli("drift", "--format", "json").out)
    stowaway = next(a for a in report["agents"] if a["agent"] == "stowaway")
    assert (stowaway["state"], stowaway["reasons"]) == (
        "drifted",
        ["runs something the ledger never recorded here"],
    )


def test_reports_on_an_empty_ledger(cli, project: Path) -> None:
    assert cli("status").out == "nothing deployed yet (agentcd promote --env dev)\n"
    assert cli("history", "--env", "prod").out == "prod: no deployments recorded\n"
    assert cli("drift").out == "drift: no agents\n"
    assert not (project / ".agentcd" / "ledger.db").exists()  # reading created nothing
