"""`promote` gathers once, decides, then applies: each input is read once per run.

Counted in-process on the example (three agents), for the SQLite and the git ledger: every read
of `agentcd.yaml` and of an `agent.yaml` (per snapshot: the working tree and HEAD are two
inputs), every `ledger.history` and `ledger.evals` call, every platform `read_live`, and every
git command line. The figures before and after the reshaping are in docs/benchmarks.md.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bench.promote_trace import counting

from tests.commands.deploying import clock_fixture, commit_change, project_fixture
from tests.conftest import Result

__all__ = ["clock_fixture", "project_fixture"]

AGENTS = 3  # in the example
Counts = collections.Counter[str]


@pytest.fixture(name="counts")
def counts_fixture() -> Iterator[Counts]:
    with counting() as counts:  # the benchmark's counter: one definition of what is counted
        yield counts


_GIT_WRITES = ("hash-object", "update-index", "write-tree", "commit-tree", "push", "update-ref")


def _assert_each_input_once(counts: Counts, *, live_reads: int) -> None:
    reads = {k: n for k, n in counts.items() if k.startswith("read ")}
    assert {k: n for k, n in reads.items() if n != 1} == {}
    assert set(reads) >= {"read WorkTree:agentcd.yaml", "read GitTree:agentcd.yaml"}
    assert counts["ledger.history"] == AGENTS  # once per agent
    assert counts["ledger.evals"] == 1  # once per run
    assert sum(n for k, n in counts.items() if k.startswith("read_live")) == live_reads
    # Each git question is asked once; the git ledger writes twice (the claim, the outcome).
    git_twice = {
        k: n
        for k, n in counts.items()
        if k.startswith("git ") and n > 1 and not any(w in k.split() for w in _GIT_WRITES)
    }
    assert git_twice == {}


def test_a_first_promotion_reads_each_input_once(
    project: Path, cli: Callable[..., Result], counts: Counts
) -> None:
    done = cli("promote", "--env", "dev")
    assert done.code == 0, done.out + done.err
    # Nothing ran in dev: no record may be what runs, so the platform is not asked.
    _assert_each_input_once(counts, live_reads=0)
    assert {k for k in counts if k.startswith("read ")} == {
        "read WorkTree:agentcd.yaml",
        "read GitTree:agentcd.yaml",
        *(f"read {kind}:agents/{a}/agent.yaml" for kind in ("WorkTree", "GitTree")
          for a in ("faq-bot", "refund-bot", "support-triage")),
    }  # fmt: skip


def test_promoting_what_already_runs_asks_the_platform_once_per_agent(
    project: Path, cli: Callable[..., Result], counts: Counts
) -> None:
    assert cli("promote", "--env", "dev").code == 0
    counts.clear()
    again = cli("promote", "--env", "dev")
    assert again.code == 0, again.out + again.err
    assert again.out.count("unchanged") >= AGENTS
    _assert_each_input_once(counts, live_reads=AGENTS)


def test_promoting_a_change_reads_each_input_once(
    project: Path, cli: Callable[..., Result], counts: Counts
) -> None:
    assert cli("promote", "--env", "dev").code == 0
    commit_change(project, "faq-bot", "Be brief.", "faq: brief")
    counts.clear()
    done = cli("promote", "--env", "dev")
    assert done.code == 0, done.out + done.err
    # The two unchanged agents are checked against what runs; the changed one is not.
    _assert_each_input_once(counts, live_reads=AGENTS - 1)
    assert counts["read_live faq-bot"] == 0
