"""`agentcd verify`, and a record that was tampered with refused by every reading command: on
the SQLite ledger (a row edited with sqlite3) and on the git ledger (a line edited on the branch,
the branch rewound or deleted), with real repositories and files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from agentcd.core.definition.digest import DIGEST_RE
from tests.commands.deploying import (  # noqa: F401 (fixtures)
    Clock,
    clock_fixture,
    commit_change,
    project_fixture,
    use_git_ledger,
)
from tests.conftest import git

FAQ = "deployments/dev/faq-bot.jsonl"


def is_git(project: Path) -> bool:
    return "backend: git" in (project / "agentcd.yaml").read_text()


def tamper_actor(project: Path, actor: str = "mallory") -> None:
    """Change who deployed faq-bot #1 to dev, as anyone with write access to the record can."""
    if not is_git(project):
        with sqlite3.connect(project / ".agentcd" / "ledger.db") as conn:
            conn.execute(
                "UPDATE deployments SET record=json_set(record, '$.actor', ?) "
                "WHERE agent='faq-bot' AND environment='dev' AND seq=1",
                (actor,),
            )
        conn.close()
        return
    other = project.parent / "editor"
    git(project.parent, "clone", "-q", "-b", "agentcd-ledger", str(project.parent / "origin.git"),
        str(other))  # fmt: skip
    text = (other / FAQ).read_text()
    (other / FAQ).write_text(text.replace('"actor":"ana"', f'"actor":"{actor}"', 1))
    git(other, "commit", "-q", "-am", "a small correction")
    git(other, "push", "-q", "origin", "agentcd-ledger")


def test_verify_reports_an_intact_ledger(cli: Any, project: Path) -> None:
    assert cli("promote", "--env", "dev").code == 0
    result = cli("verify", "--format", "json")
    assert result.code == 0, result
    data = json.loads(result.out)
    where, head = data.pop("ledger"), data["chain"].pop("head")
    assert data == {
        "version": 1,
        "intact": True,
        "records": {"deployments": 3, "evals": 0},
        "chain": {"intact": True, "linked": 6, "unchained": 0, "broken": None},
        "bundles": {"checked": 3, "ok": 3, "bad": []},
    }
    assert head["n"] == 6 and DIGEST_RE.match(head["link"])
    if is_git(project):
        assert where.startswith("the git ledger on branch agentcd-ledger of origin (")
    else:
        assert where == "the ledger .agentcd/ledger.db"
    text = cli("verify").out
    assert text == (
        f"{where}: intact\n"
        "  records: 3 deployment(s), 0 eval verdict(s)\n"
        f"  chain:   intact, 6 linked entries, head #6 {head['link'][7:19]}\n"
        "  bundles: 3 ok, 0 bad\n"
    )


def test_an_edited_actor_is_refused_by_audit_and_reported_by_verify(
    cli: Any, project: Path
) -> None:
    assert cli("promote", "--env", "dev").code == 0
    tamper_actor(project)
    audit = cli("audit", "--env", "dev", "--format", "json")
    assert audit.code == 1 and audit.out == ""
    assert "the record chain is broken at " in audit.err and "mallory" in audit.err
    if is_git(project):
        assert f"{FAQ} line 1: it changed since this clone read the branch at " in audit.err
        assert 'record.actor is "mallory" now but "ana" then' in audit.err
    else:
        assert "deployment #1 of faq-bot in dev (table deployments): actor is " in audit.err
    result = cli("verify", "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    assert (report["intact"], report["chain"]["intact"]) == (False, False)
    assert report["chain"]["broken"]["problem"] in audit.err
    assert cli("verify").out.splitlines()[0].endswith(": NOT intact")


def test_a_tampered_ledger_is_never_promoted_over(cli: Any, project: Path) -> None:
    assert cli("promote", "--env", "dev").code == 0
    tamper_actor(project)
    result = cli("promote", "--env", "test")
    assert result.code == 1 and "the record chain is broken at " in result.err
    assert not (project / ".agentcd" / "deployed" / "test").exists()


# ---------------------------------------------------------------- the git ledger's branch


@pytest.fixture
def on_git(repo: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example with `ledger: {backend: git}`, promoted to dev once (the clone read it)."""
    monkeypatch.setenv("AGENTCD_ACTOR", "ana")
    use_git_ledger(repo, monkeypatch)
    monkeypatch.chdir(repo)
    return repo


def _remote_branch(repo: Path, *args: str) -> str:
    return git(repo.parent / "origin.git", *args)


def test_a_ledger_branch_rewound_by_two_commits_is_refused(cli: Any, on_git: Path) -> None:
    assert cli("promote", "--env", "dev").code == 0
    commit_change(on_git, "faq-bot", "Be brief.", "faq: brief")
    assert cli("promote", "--env", "dev").code == 0
    before = cli("history", "--env", "dev").out
    tip = _remote_branch(on_git, "rev-parse", "agentcd-ledger").strip()
    _remote_branch(on_git, "update-ref", "refs/heads/agentcd-ledger", f"{tip}~2")
    for args in (
        ("history", "--env", "dev"),
        ("status",),
        ("verify",),
        ("promote", "--env", "dev"),
    ):
        result = cli(*args)
        assert result.code == 1, (args, result)
        assert result.out == ""
        assert f"which does not descend from {tip[:12]}, the head this clone read last" in (
            result.err
        )
    _remote_branch(on_git, "update-ref", "refs/heads/agentcd-ledger", tip)  # restored
    assert cli("history", "--env", "dev").out == before


def test_a_deleted_ledger_branch_is_refused_not_read_as_empty(cli: Any, on_git: Path) -> None:
    assert cli("promote", "--env", "dev").code == 0
    _remote_branch(on_git, "update-ref", "-d", "refs/heads/agentcd-ledger")
    history = cli("history", "--env", "dev")
    assert history.code == 1 and "no deployments recorded" not in history.out
    assert "refused: the branch is gone, but this clone read it at " in history.err
    promote = cli("promote", "--env", "dev")
    assert promote.code == 1 and "refused: the branch is gone" in promote.err
    assert "agentcd-ledger" not in _remote_branch(on_git, "branch", "--list")
