"""`agentcd rollback`: restoring from the ledger over a ten-deployment history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcd.core.deploy.ledger import Kind, Status
from tests.commands.deploying import (  # noqa: F401 (fixtures)
    clock_fixture,
    commit_change,
    history,
    live_file,
    project_fixture,
)


@pytest.fixture
def ten(cli, project: Path) -> Path:
    """faq-bot promoted to dev ten times, one commit each: deployment #n has rule n."""
    for n in range(1, 11):
        commit_change(project, "faq-bot", f"Rule {n}.", f"rule {n}")
        assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    assert [r.seq for r in history(project)] == list(range(1, 11))
    return project


def live_rule(repo: Path) -> str:
    instructions = live_file(repo, "dev", "faq-bot")["agent"]["instructions"]  # type: ignore[index]
    return str(instructions).splitlines()[0]


def rollback(cli, *args: str) -> dict[str, object]:
    result = cli("rollback", "--env", "dev", "--agent", "faq-bot", "--format", "json", *args)
    assert result.code == 0, result
    (agent,) = json.loads(result.out)["agents"]
    return agent  # type: ignore[no-any-return]


def test_rollback_walks_back_over_the_record(cli, ten: Path) -> None:
    assert live_rule(ten) == "Rule 10."
    first = rollback(cli)
    assert (first["seq"], first["rollback_to"], live_rule(ten)) == (11, 9, "Rule 9.")
    second = rollback(cli)  # #10 was undone and #9 runs: next back is #8
    assert (second["seq"], second["rollback_to"], live_rule(ten)) == (12, 8, "Rule 8.")
    third = rollback(cli, "--steps", "3")  # #9..#11 undone by #12: #7, #6, then #5
    assert (third["seq"], third["rollback_to"], live_rule(ten)) == (13, 5, "Rule 5.")
    records = {r.seq: r for r in history(ten)}
    assert [records[s].status for s in (9, 10, 11, 12)] == [Status.SUCCEEDED] * 4  # as stored
    assert records[13].kind is Kind.ROLLBACK
    assert records[13].note == "rollback to #5; re-pointed to version 5"
    assert records[13].deployment_digest == records[5].deployment_digest
    assert records[13].platform_versions["version"] == "5"  # its version again, none made


def test_rollback_to_a_digest(cli, ten: Path) -> None:
    second = {r.seq: r for r in history(ten)}[2]
    agent = rollback(cli, "--to", second.artifact_digest[7:19])
    assert (agent["rollback_to"], live_rule(ten)) == (2, "Rule 2.")
    assert live_file(ten, "dev", "faq-bot")["agentcd"]["deployment_digest"] == (  # type: ignore[index]
        second.deployment_digest
    )


def test_after_a_rollback_promoting_head_again_is_a_new_deployment(cli, ten: Path) -> None:
    rollback(cli)
    again = cli("promote", "--env", "dev", "--agent", "faq-bot")
    assert again.code == 0  # HEAD descends from #9's commit: not older, so the gate allows it
    assert live_rule(ten) == "Rule 10."
    assert [r.status for r in history(ten)][-3:] == [Status.SUCCEEDED] * 3


def test_nothing_to_roll_back_is_a_refusal(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    result = cli("rollback", "--env", "dev", "--agent", "faq-bot")
    assert result.code == 2
    assert "FAIL  rollback: no earlier good deployment of faq-bot in dev to restore" in result.out
    assert len(history(project)) == 1


def test_rollback_needs_a_deployment_and_one_agent_for_to(cli, project: Path) -> None:
    assert cli("rollback", "--env", "dev").err == (
        "error: rolling back: nothing was ever deployed to dev\n"
    )
    assert cli("rollback", "--env", "dev", "--to", "abcdef1").err == (
        "error: rolling back: --to needs exactly one --agent\n"
    )


def test_rollback_dry_run_changes_nothing(cli, ten: Path) -> None:
    before = history(ten)
    result = cli("rollback", "--env", "dev", "--dry-run", "--format", "json")
    assert result.code == 0
    (agent,) = json.loads(result.out)["agents"]
    assert (agent["result"], agent["seq"]) == ("planned", None)
    assert [c["reason"] for c in agent["checks"] if c["name"] == "order"] == ["rollback to #9"]
    assert history(ten) == before and live_rule(ten) == "Rule 10."


def test_rollback_re_points_to_the_kept_version_and_re_applies_when_it_is_gone(
    cli, ten: Path
) -> None:
    versions = ten / ".agentcd" / "deployed" / "dev" / "faq-bot.versions"
    pointed = rollback(cli)  # #9: its kept version 9 runs again
    assert (pointed["platform_versions"]["version"], live_rule(ten)) == ("9", "Rule 9.")
    assert pointed["detail"] == "re-pointed to version 9"
    assert sorted(int(p.stem) for p in versions.glob("*.json")) == list(range(1, 11))
    (versions / "8.json").unlink()  # the platform lost #8's version
    again = rollback(cli)
    assert (again["rollback_to"], live_rule(ten)) == (8, "Rule 8.")
    assert again["platform_versions"]["version"] == "11"  # the stored bundle, applied anew
    assert again["detail"] == "re-applied the stored bundle: version 8 is gone"
    (versions / "7.json").write_text("{}")  # edited by hand: not #7's any more
    edited = rollback(cli)
    assert (edited["platform_versions"]["version"], live_rule(ten)) == ("12", "Rule 7.")
