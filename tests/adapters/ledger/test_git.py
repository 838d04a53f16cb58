"""The git-branch ledger on real repositories with a bare repository as the remote: the shared
ledger contract, its files on the branch, compare-and-set by push, and the user's checkout left
alone."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.git import GitProcess, observing
from agentcd.adapters.ledger.gitbranch import Credentials
from agentcd.adapters.ledger.protocol import Ledger, LedgerError, SequenceTaken
from agentcd.adapters.source import WorkTree
from agentcd.core.definition.bundle import make_bundle
from agentcd.core.definition.load import load_workspace
from agentcd.core.deploy.ledger import Status
from tests.adapters.ledger.githttp import serve_git
from tests.adapters.ledger.gitrepos import Remote, open_git_ledger
from tests.adapters.ledger.test_sqlite import (  # noqa: F401 (the shared contract, run here too)
    example_artifact,
    test_a_batch_records_all_of_its_writes_or_none,
    test_an_environment_lease_has_one_holder_until_it_expires,
    test_append_takes_the_next_sequence_number_only,
    test_bundles_are_kept_by_digest,
    test_eval_verdicts_are_appended_in_order,
    test_finish_moves_in_progress_to_a_final_status_once,
    test_history_filters_and_orders,
    test_verify_finds_an_intact_ledger_with_what_it_holds,
)
from tests.conftest import EXAMPLE, git
from tests.core.ledger_records import T0, dep

FORK = multiprocessing.get_context("fork")


@pytest.fixture
def ledger(remote: Remote) -> Iterator[Ledger]:
    """The contract's ledger: every test reads back through a second, fresh checkout too."""
    yield open_git_ledger(remote.clone("work"))


def finish(ledger: Ledger, seq: int, status: Status = Status.SUCCEEDED, agent: str = "a") -> None:
    ledger.finish(agent, "prod", seq, status=status, finished_at=T0, platform_versions={}, note="")


# ---------------------------------------------------------------- the branch


def test_records_are_json_lines_on_an_orphan_branch(remote: Remote) -> None:
    work = remote.clone("work")
    ledger = open_git_ledger(work)
    ledger.append(dep(1, "a", Status.IN_PROGRESS, finished_at=None))
    finish(ledger, 1)
    lines = [json.loads(line) for line in remote.show("deployments/prod/a.jsonl").splitlines()]
    assert [line["event"] for line in lines] == ["claim", "finish"]
    assert lines[0]["record"]["status"] == "in_progress"  # the claim is kept as written
    assert (lines[1]["seq"], lines[1]["status"]) == (1, "succeeded")
    assert [line["chain"]["n"] for line in lines] == [1, 2]  # linked: see test_git_chain.py
    assert json.loads(remote.show("ledger.json")) == {"format": 2, "kind": "agentcd-ledger"}
    roots = git(remote.path, "rev-list", "--max-parents=0", "agentcd-ledger").split()
    main_roots = git(remote.path, "rev-list", "--max-parents=0", "main").split()
    assert len(roots) == 1 and roots != main_roots
    assert "[skip ci]" in git(remote.path, "log", "-1", "--format=%B", "agentcd-ledger")


def test_another_checkout_reads_what_one_wrote(remote: Remote) -> None:
    writer = open_git_ledger(remote.clone("a"))
    faq_bot = load_workspace(WorkTree(EXAMPLE)).agent("faq-bot")
    assert faq_bot is not None
    bundle = make_bundle(name="faq-bot", artifact=faq_bot.artifact, commit="c" * 40, path="x")
    writer.put_bundle(bundle)
    writer.append(dep(1, "a", Status.IN_PROGRESS, finished_at=None))
    finish(writer, 1, Status.FAILED)
    reader = open_git_ledger(remote.clone("b"))
    (record,) = reader.history()
    assert (record.seq, record.status, record.finished_at) == (1, Status.FAILED, T0)
    assert reader.get_bundle(bundle.digest) == bundle
    assert remote.show(f"bundles/sha256/{bundle.digest.removeprefix('sha256:')}.json")


def test_the_users_working_tree_index_and_head_are_untouched(remote: Remote) -> None:
    work = remote.clone("work")
    (work / "README.md").write_text("an edit in progress\n")
    (work / "staged.txt").write_text("staged\n")
    git(work, "add", "staged.txt")
    before = _checkout_state(work)
    ledger = open_git_ledger(work)
    with ledger.batch():
        ledger.append(dep(1, "a"))
        ledger.append(dep(1, "b", agent="z"))
    assert open_git_ledger(work).history() == ledger.history()
    assert _checkout_state(work) == before
    assert git(work, "for-each-ref", "--format=%(refname)", "refs/agentcd").split() == [
        "refs/agentcd/agentcd-ledger"
    ]


def _checkout_state(work: Path) -> tuple[str, ...]:
    return (
        git(work, "rev-parse", "HEAD"),
        git(work, "symbolic-ref", "HEAD"),
        git(work, "status", "--porcelain=v1", "--untracked-files=all"),
        hashlib.sha256((work / ".git" / "index").read_bytes()).hexdigest(),
        git(work, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags"),
        (work / "README.md").read_text(),
    )


def test_a_batch_is_one_commit(remote: Remote) -> None:
    ledger = open_git_ledger(remote.clone("work"))
    ledger.append(dep(1, "a"))
    with ledger.batch():
        for agent in ("b", "c", "d"):
            ledger.append(dep(1, "x", agent=agent, status=Status.IN_PROGRESS, finished_at=None))
        for agent in ("b", "c", "d"):
            finish(ledger, 1, agent=agent)
        assert remote.commits() == 1  # nothing is pushed before the block ends
    assert remote.commits() == 2
    subject = git(remote.path, "log", "-1", "--format=%s", "agentcd-ledger")
    claim = "claim #1 of b in prod (sha256:" + "x" * 64 + ")"
    assert subject == f"agentcd ledger: {claim} (and 5 more)\n"
    assert {r.agent: r.status for r in ledger.history()} == dict.fromkeys("abcd", Status.SUCCEEDED)


def test_a_shallow_checkout_reads_and_writes(remote: Remote) -> None:
    open_git_ledger(remote.clone("full")).append(dep(1, "a"))
    shallow = remote.clone("shallow", "--depth", "1")
    assert git(shallow, "rev-parse", "--is-shallow-repository") == "true\n"
    ledger = open_git_ledger(shallow)
    assert [r.seq for r in ledger.history()] == [1]
    ledger.append(dep(2, "b"))
    assert [r.seq for r in open_git_ledger(remote.clone("again")).history()] == [1, 2]


def test_the_repository_itself_can_be_the_remote(remote: Remote) -> None:
    work = remote.clone("work")
    ledger = open_git_ledger(work, remote=".")
    ledger.append(dep(1, "a"))
    assert [r.seq for r in open_git_ledger(work, remote=".").history()] == [1]
    assert git(work, "rev-parse", "--verify", "-q", "refs/heads/agentcd-ledger")
    assert "agentcd-ledger" not in git(remote.path, "branch", "--list")


# ---------------------------------------------------------------- compare-and-set by push


def test_a_push_rejected_as_non_fast_forward_is_replayed_on_the_new_tip(remote: Remote) -> None:
    pauses: list[float] = []
    slow = open_git_ledger(remote.clone("slow"), pauses=pauses)
    assert slow.history() == ()  # read: the branch does not exist yet
    open_git_ledger(remote.clone("fast")).append(dep(1, "a", agent="other"))
    slow.append(dep(1, "a"))  # built on the empty branch: rejected, fetched, replayed, pushed
    assert len(pauses) == 1
    assert [(r.agent, r.seq) for r in open_git_ledger(remote.clone("c")).history()] == [
        ("a", 1),
        ("other", 1),
    ]
    assert remote.commits() == 2


def test_a_seq_taken_meanwhile_is_refused_after_the_refetch(remote: Remote) -> None:
    slow = open_git_ledger(remote.clone("slow"))
    assert slow.history() == ()
    open_git_ledger(remote.clone("fast")).append(dep(1, "a", actor="bo"))
    with pytest.raises(SequenceTaken) as lost:
        slow.append(dep(1, "b"))
    assert lost.value.holder is not None and lost.value.holder.actor == "bo"
    assert [r.actor for r in slow.history()] == ["bo"]  # it now reads the branch as it is
    assert remote.commits() == 1


def test_a_batch_that_lost_a_seq_records_none_of_its_writes(remote: Remote) -> None:
    slow = open_git_ledger(remote.clone("slow"))
    assert slow.history() == ()
    open_git_ledger(remote.clone("fast")).append(dep(1, "a", agent="y"))
    with pytest.raises(SequenceTaken), slow.batch():
        slow.append(dep(1, "b", agent="x"))
        slow.append(dep(1, "b", agent="y"))
    assert [r.agent for r in open_git_ledger(remote.clone("c")).history()] == ["y"]


def _append_in_child(checkout: str, actor: str, barrier: Any, results: Any) -> None:
    ledger = open_git_ledger(Path(checkout))
    ledger.history()  # everyone reads the same state first
    barrier.wait()
    try:
        ledger.append(dep(2, "b", Status.IN_PROGRESS, actor=actor))
        results.put((actor, "won"))
    except SequenceTaken:
        results.put((actor, "lost"))


def test_concurrent_appends_from_processes_have_exactly_one_winner(remote: Remote) -> None:
    open_git_ledger(remote.clone("first")).append(dep(1, "a"))
    checkouts = [str(remote.clone(f"job{i}")) for i in range(4)]
    barrier, results = FORK.Barrier(4), FORK.Queue()
    procs = [
        FORK.Process(target=_append_in_child, args=(c, f"p{i}", barrier, results))
        for i, c in enumerate(checkouts)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    outcomes = dict(results.get(timeout=5) for _ in procs)
    assert sorted(outcomes.values()) == ["lost", "lost", "lost", "won"]
    history = open_git_ledger(remote.clone("check")).history()
    assert [r.seq for r in history] == [1, 2]
    assert outcomes[history[1].actor] == "won"


# ---------------------------------------------------------------- refusals and failures


def test_an_unreachable_remote_is_named_without_its_credentials(remote: Remote) -> None:
    work = remote.clone("work")
    git(work, "remote", "set-url", "origin", "https://ci:s3cret-url@127.0.0.1:9/octo/app.git")
    ledger = open_git_ledger(work, credentials=Credentials("x-access-token", "ghs_s3cret"))
    with pytest.raises(LedgerError) as e:
        ledger.history()
    message = str(e.value)
    assert message.startswith(
        "reading the ledger: fetching branch agentcd-ledger of origin "
        "(https://***@127.0.0.1:9/octo/app.git): unable to access"
    )
    assert "s3cret" not in message and "contents: write" in message


def test_a_missing_remote_says_how_to_name_one(remote: Remote) -> None:
    work = remote.clone("work")
    git(work, "remote", "remove", "origin")
    with pytest.raises(LedgerError) as e:
        open_git_ledger(work).append(dep(1, "a"))
    assert "'origin' does not appear to be a git repository" in str(e.value)
    assert "`git remote add origin URL`, or set `ledger.remote`" in str(e.value)


def test_a_branch_that_is_not_a_ledger_is_never_written(remote: Remote) -> None:
    tip = remote.branch_tip("main")
    with pytest.raises(LedgerError) as e:
        open_git_ledger(remote.clone("work"), branch="main").append(dep(1, "a"))
    assert "branch main of origin" in str(e.value) and "not an agentcd ledger" in str(e.value)
    assert remote.branch_tip("main") == tip


def test_a_ledger_of_a_newer_format_is_refused(remote: Remote) -> None:
    work = remote.clone("work")
    open_git_ledger(work).append(dep(1, "a"))
    git(work, "fetch", "-q", "origin", "agentcd-ledger:ledger")
    git(work, "switch", "-q", "ledger")
    (work / "ledger.json").write_text('{"format": 3, "kind": "agentcd-ledger"}\n')
    git(work, "commit", "-q", "-am", "from the future")
    git(work, "push", "-q", "origin", "ledger:agentcd-ledger")
    with pytest.raises(LedgerError, match="format 3 was written by a newer agentcd"):
        open_git_ledger(remote.clone("again")).history()


# ---------------------------------------------------------------- a token over HTTPS


def test_a_ci_token_reaches_git_through_the_environment_only(remote: Remote) -> None:
    work = remote.clone("work")
    started: list[GitProcess] = []
    with (
        serve_git(remote.root, username="x-access-token", token="ghs_secret") as base,
        observing(started.append),
    ):
        # Like a GitLab runner's checkout: stale credentials in the URL, which must not be used.
        git(
            work, "remote", "set-url", "origin", f"{base.replace('//', '//ci:expired@')}/remote.git"
        )
        ledger = open_git_ledger(work, credentials=Credentials("x-access-token", "ghs_secret"))
        ledger.append(dep(1, "a"))
        assert [r.seq for r in open_git_ledger(remote.clone("again")).history()] == [1]
        with pytest.raises(LedgerError) as refused:
            open_git_ledger(work).history()  # no token: the URL's stale credentials fail
    message = str(refused.value)
    assert "(http://***@127.0.0.1:" in message and "Authentication failed" in message
    assert "expired" not in message
    assert all("ghs_secret" not in " ".join(p.argv) for p in started)
    fetch_and_push = [p.env for p in started if {"fetch", "push"} & set(p.argv)]
    assert fetch_and_push and all(
        env.get("AGENTCD_GIT_PASSWORD") == "ghs_secret" for env in fetch_and_push[:2]
    )
    assert all("AGENTCD_GIT_PASSWORD" not in p.env for p in started if "commit-tree" in p.argv)
