"""Eight `agentcd promote --env dev` processes at once, twice, on both ledgers: the record stays
true. Each run holds the environment's lease from its gate's read through its last record, so
the runs take turns; each report says what that run did, and the ledger agrees with what runs.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agentcd.core.deploy.ledger import Status
from tests.commands.deploying import (  # noqa: F401 (fixtures)
    clock_fixture,
    commit_change,
    history,
    live_file,
    project_fixture,
)

FORK = multiprocessing.get_context("fork")
RUNS = 8
AGENTS = ("faq-bot", "refund-bot", "support-triage")

pytestmark = pytest.mark.slow


def _promote(repo: Path, actor: str, out: Path, barrier: Any) -> None:
    from agentcd.adapters import clock
    from agentcd.cli import main

    clock.utc_now = lambda: datetime.now(UTC)  # real time: the runs really overlap
    os.chdir(repo)
    os.environ["AGENTCD_ACTOR"] = actor
    barrier.wait()
    with open(out, "w") as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
        code = main(["promote", "--env", "dev", "--format", "json"])
    os._exit(code)


def _round(repo: Path, tmp: Path, name: str) -> dict[str, tuple[int | None, str]]:
    barrier = FORK.Barrier(RUNS)
    procs = []
    for i in range(RUNS):
        out = tmp / f"{name}-p{i}.out"
        proc = FORK.Process(target=_promote, args=(repo, f"{name}-p{i}", out, barrier))
        proc.start()
        procs.append((f"{name}-p{i}", proc, out))
    for _, proc, _ in procs:
        proc.join(300)
    return {actor: (proc.exitcode, out.read_text()) for actor, proc, out in procs}


def _check(repo: Path, reports: dict[str, tuple[int | None, str]]) -> None:
    records = history(repo, "dev")
    for actor, (code, text) in reports.items():
        assert code == 0, f"{actor}: {text}"
        report = json.loads(text)
        said = {a["agent"]: a for a in report["agents"]}
        mine = [r for r in records if r.actor == actor]
        # What the run says it deployed is what the ledger holds from it, and nothing else.
        assert {r.agent: r.seq for r in mine} == {
            a: s["seq"] for a, s in said.items() if s["result"] == "succeeded"
        }
        assert all(r.status is Status.SUCCEEDED for r in mine)
    for agent in AGENTS:
        mine = [r for r in records if r.agent == agent]
        assert [r.seq for r in mine] == list(range(1, len(mine) + 1))
        digests = [r.deployment_digest for r in mine]
        assert all(a != b for a, b in itertools.pairwise(digests)), digests
        for record in mine[1:]:  # each gate saw the deployment before it
            assert all("nothing runs there yet" not in c.reason for c in record.gate)
        live = live_file(repo, "dev", agent)["agentcd"]
        assert live["deployment_digest"] == mine[-1].deployment_digest  # type: ignore[index]


def test_eight_parallel_promotions_keep_the_record_true(project: Path, tmp_path: Path) -> None:
    first = _round(project, tmp_path, "first")
    _check(project, first)
    assert sum(json.loads(t)["agents"][0]["result"] == "succeeded" for _, t in first.values()) == 1
    commit_change(project, "faq-bot", "Be brief.", "faq: brief")
    second = _round(project, tmp_path, "second")
    _check(project, second)
    faq = [r for r in history(project, "dev") if r.agent == "faq-bot"]
    assert len(faq) == 2  # the change was deployed once, by one of the eight
