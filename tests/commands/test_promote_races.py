"""Promotions racing each other or dying half-way: real processes, a real SQLite ledger."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from agentcd.adapters.ledger.git import GitLedger
from agentcd.adapters.ledger.sqlite import SqliteLedger
from agentcd.adapters.platforms.file import FilePlatform
from agentcd.core.deploy.ledger import PENDING_LEASE, Status
from tests.commands.deploying import Clock, clock_fixture, history, live_file, project_fixture  # noqa: F401 (fixtures)

FORK = multiprocessing.get_context("fork")


def _promote_in_child(
    repo: Path,
    actor: str,
    out: Path,
    barrier: Any = None,
    patch: Any = None,
    extra: tuple[str, ...] = (),
    delay: float = 0.0,
) -> None:
    """Run `agentcd promote` in this (forked) process; exit with its exit code."""
    from agentcd.cli import main

    os.chdir(repo)
    os.environ["AGENTCD_ACTOR"] = actor
    if patch is not None:
        patch()
    if barrier is not None:
        barrier.wait()
    time.sleep(delay)
    with open(out, "w") as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
        code = main(["promote", "--env", "dev", "--agent", "faq-bot", "--format", "json", *extra])
    os._exit(code)


def _slow_apply() -> None:
    original = FilePlatform.apply

    def slow(self: FilePlatform, rendered: Any) -> Any:
        time.sleep(1.5)  # hold the claim long enough for the other process to meet it
        return original(self, rendered)

    FilePlatform.apply = slow  # type: ignore[method-assign]


def _die_before_recording() -> None:
    def die(self: object, *args: Any, status: Status, **kwargs: Any) -> Any:
        os._exit(9)  # applied, but the process is killed before the ledger says so

    SqliteLedger.finish = die  # type: ignore[assignment, method-assign]
    GitLedger.finish = die  # type: ignore[assignment, method-assign]


def _die_before_applying() -> None:
    def die(self: FilePlatform, rendered: Any) -> Any:
        os._exit(9)

    FilePlatform.apply = die  # type: ignore[method-assign]


def run_child(repo: Path, tmp_path: Path, actor: str, **kwargs: Any) -> tuple[Any, Path]:
    out = tmp_path / f"{actor}.out"
    proc = FORK.Process(target=_promote_in_child, args=(repo, actor, out), kwargs=kwargs)
    proc.start()
    return proc, out


def test_two_processes_promoting_at_once_take_turns(project: Path, tmp_path: Path) -> None:
    """The second waits for the first's lease, then finds what it would deploy already runs."""
    barrier = FORK.Barrier(2)
    children = [
        run_child(project, tmp_path, f"p{i}", barrier=barrier, patch=_slow_apply) for i in range(2)
    ]
    for proc, _ in children:
        proc.join(60)
    assert [proc.exitcode for proc, _ in children] == [0, 0]
    reports = {out.stem: json.loads(out.read_text()) for _, out in children}
    results = sorted(r["agents"][0]["result"] for r in reports.values())
    assert results == ["succeeded", "unchanged"]
    (record,) = history(project)
    assert record.status is Status.SUCCEEDED
    winner = next(a for a, r in reports.items() if r["agents"][0]["result"] == "succeeded")
    assert record.actor == winner


def test_a_run_that_will_not_wait_is_refused_and_changes_nothing(
    project: Path, tmp_path: Path
) -> None:
    barrier = FORK.Barrier(2)
    first = run_child(project, tmp_path, "p0", barrier=barrier, patch=_slower_apply)
    time.sleep(0.05)
    second = run_child(  # asks once the first run has taken the lease
        project, tmp_path, "p1", barrier=barrier, extra=("--lock-timeout", "0"), delay=1.5
    )
    for proc, _ in (first, second):
        proc.join(60)
    assert (first[0].exitcode, second[0].exitcode) == (0, 2)
    said = second[1].read_text()
    assert "p0 (" in said and "holds dev since" in said and "--lock-timeout" in said
    (record,) = history(project)
    assert record.actor == "p0"


def _slower_apply() -> None:
    original = FilePlatform.apply

    def slow(self: FilePlatform, rendered: Any) -> Any:
        time.sleep(4)  # hold the lease while the other run asks for it
        return original(self, rendered)

    FilePlatform.apply = slow  # type: ignore[method-assign]


def test_a_crash_between_apply_and_record_converges_on_rerun(
    cli, project: Path, tmp_path: Path, clock: Clock
) -> None:
    proc, _ = run_child(project, tmp_path, "crashy", patch=_die_before_recording)
    proc.join(60)
    assert proc.exitcode == 9
    (pending,) = history(project)
    assert pending.status is Status.IN_PROGRESS
    assert live_file(project, "dev", "faq-bot")["agentcd"]["deployment_digest"] == (  # type: ignore[index]
        pending.deployment_digest
    )
    # Right away the claim may still belong to a live run between applying and recording.
    waiting = cli("promote", "--env", "dev", "--agent", "faq-bot")
    assert waiting.code == 2, waiting
    assert "in progress" in waiting.out
    clock.now += timedelta(minutes=2)  # past the grace: the run is taken as interrupted
    result = cli("promote", "--env", "dev", "--agent", "faq-bot")
    assert result.code == 0, result
    assert "ok    in_progress: #1: interrupted after applying; the platform runs it" in result.out
    assert "unchanged: already runs as #1" in result.out
    (done,) = history(project)
    assert (done.seq, done.status, done.platform_versions["version"]) == (1, Status.SUCCEEDED, "1")
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").out.startswith(
        "promote to dev: done (1 unchanged)"
    )


def test_a_crash_before_apply_blocks_until_the_lease_ends(
    cli, project: Path, tmp_path: Path, clock: Clock
) -> None:
    proc, _ = run_child(project, tmp_path, "crashy", patch=_die_before_applying)
    proc.join(60)
    assert proc.exitcode == 9
    blocked = cli("promote", "--env", "dev", "--agent", "faq-bot")
    assert blocked.code == 2
    assert "FAIL  in_progress: #1 (crashy, started 2026-05-04T08:01:00Z) is still in progress" in (
        blocked.out
    )
    clock.now += PENDING_LEASE + timedelta(minutes=1)
    result = cli("promote", "--env", "dev", "--agent", "faq-bot")
    assert result.code == 0, result
    first, second = history(project)
    assert (first.status, first.note) == (Status.FAILED, "interrupted before applying; abandoned")
    assert (second.seq, second.status) == (2, Status.SUCCEEDED)


def test_after_a_promote_the_sqlite_ledger_is_the_one_file_the_docs_name(
    project: Path,
) -> None:
    done = subprocess.run(  # a whole process: what is left on disk when it exits
        [sys.executable, "-m", "agentcd", "promote", "--env", "dev"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    if "backend: git" in (project / "agentcd.yaml").read_text():
        return  # the git ledger keeps no file here
    beside = sorted(p.name for p in (project / ".agentcd").iterdir() if p.name.startswith("ledger"))
    assert beside == ["ledger.db"]  # no -wal or -shm holding the records
    copy = project.parent / "copied-ledger.db"
    copy.write_bytes((project / ".agentcd" / "ledger.db").read_bytes())
    agents = {r.agent for r in SqliteLedger(copy).history()}
    assert agents == {"faq-bot", "refund-bot", "support-triage"}
