"""The git ledger's record can be trusted: a branch that was rewound, rewritten or deleted after
this clone read it is refused, and a line edited on the branch is found on every read and by
`verify`. Real repositories, with a bare one as the remote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcd.adapters.ledger.protocol import LedgerError
from agentcd.core.deploy.chain import link_of
from agentcd.core.deploy.ledger import Status
from tests.adapters.ledger.gitrepos import Remote, open_git_ledger
from tests.conftest import git
from tests.core.ledger_records import T0, dep

PATH = "deployments/prod/a.jsonl"


def three_deployments(remote: Remote) -> Path:
    """A clone that wrote #1 (claim, finish), #2 and #3 of `a` in prod: four commits."""
    work = remote.clone("work")
    ledger = open_git_ledger(work)
    ledger.append(dep(1, "a", Status.IN_PROGRESS, finished_at=None))
    ledger.finish("a", "prod", 1, status=Status.SUCCEEDED, finished_at=T0, platform_versions={},
                  note="")  # fmt: skip
    ledger.append(dep(2, "b"))
    ledger.append(dep(3, "c"))
    assert remote.commits() == 4
    return work


def push_edit(
    remote: Remote, name: str, path: str, edit: str, replacement: str, *, last: bool = False
) -> None:
    """What anyone who can push the branch can do: edit a file in a new commit on top (the
    first occurrence of `edit`, or with `last` the last one)."""
    other = remote.clone(name)
    git(other, "fetch", "-q", "origin", "agentcd-ledger:ledger")
    git(other, "switch", "-q", "ledger")
    text = (other / path).read_text()
    assert edit in text
    before, _, after = text.rpartition(edit)
    edited = before + replacement + after if last else text.replace(edit, replacement, 1)
    (other / path).write_text(edited)
    git(other, "commit", "-q", "-am", "a small correction")
    git(other, "push", "-q", "origin", "ledger:agentcd-ledger")


def refused(ledger_dir: Path) -> str:
    with pytest.raises(LedgerError) as e:
        open_git_ledger(ledger_dir).history()
    return str(e.value)


# ---------------------------------------------------------------- the branch itself


def test_a_branch_rewound_by_two_commits_is_refused_and_stays_refused(remote: Remote) -> None:
    work = three_deployments(remote)
    tip = remote.branch_tip()
    git(remote.path, "update-ref", "refs/heads/agentcd-ledger", f"{tip}~2")
    message = refused(work)
    assert message.startswith(
        "reading the ledger branch agentcd-ledger of origin "
        f"(file://{remote.path}): refused: it is at "
    )
    assert (
        f"which does not descend from {tip[:12]}, the head this clone read last: the branch "
        "was rewound or rewritten (force-pushed), so records may be gone or changed." in message
    )
    assert f"`git push --force origin {tip}:refs/heads/agentcd-ledger`" in message
    assert "`git update-ref -d refs/agentcd/agentcd-ledger`" in message
    assert git(work, "rev-parse", "refs/agentcd/agentcd-ledger").strip() == tip  # remembered
    assert "refused: it is at" in refused(work)  # and again, every time
    with pytest.raises(LedgerError):
        open_git_ledger(work).append(dep(4, "d"))
    assert remote.commits() == 2  # nothing was written on the rewound branch


def test_a_branch_rewritten_with_the_same_number_of_commits_is_refused(remote: Remote) -> None:
    work = three_deployments(remote)
    rewritten = git(remote.path, "commit-tree", "agentcd-ledger^{tree}", "-m", "history, redone")
    git(remote.path, "update-ref", "refs/heads/agentcd-ledger", rewritten.strip())
    assert "refused: it is at" in refused(work)


def test_a_deleted_branch_is_refused_once_this_clone_has_read_it(remote: Remote) -> None:
    work = three_deployments(remote)
    tip = remote.branch_tip()
    git(remote.path, "update-ref", "-d", "refs/heads/agentcd-ledger")
    message = refused(work)
    assert f"refused: the branch is gone, but this clone read it at {tip[:12]}" in message
    git(work, "update-ref", "-d", "refs/agentcd/agentcd-ledger")  # accepting it, as it says
    assert open_git_ledger(work).history() == ()


def test_a_fast_forward_is_read(remote: Remote) -> None:
    work = three_deployments(remote)
    open_git_ledger(remote.clone("other")).append(dep(4, "d"))
    assert [r.seq for r in open_git_ledger(work).history()] == [1, 2, 3, 4]


def test_a_shallow_checkout_follows_the_branch_as_it_grows(remote: Remote) -> None:
    three_deployments(remote)
    shallow = remote.clone("shallow", "--depth", "1")
    assert len(open_git_ledger(shallow).history()) == 3
    open_git_ledger(remote.clone("other")).append(dep(4, "d"))
    assert len(open_git_ledger(shallow).history()) == 4


# ---------------------------------------------------------------- edited lines


def test_an_edited_actor_is_found_by_a_fresh_clone_through_the_chain(remote: Remote) -> None:
    three_deployments(remote)
    claim = remote.show(PATH).splitlines()[0]
    push_edit(remote, "editor", PATH, '"actor":"ana"', '"actor":"mallory"')
    edited = claim.replace('"actor":"ana"', '"actor":"mallory"')
    now, then = (link_of(json.loads(line))[7:19] for line in (edited, claim))
    assert refused(remote.clone("fresh")) == (
        f"reading the ledger branch agentcd-ledger of origin (file://{remote.path}): the record "
        f"chain is broken at {PATH} line 1 (the claim of #1): entry #1 hashes to {now}, but "
        f"entry #2 ({PATH} line 2 (the finish of #1)), written after it, links it as {then}: it "
        "was changed after it was written"
    )


def test_an_edited_line_is_named_field_by_field_by_the_clone_that_read_it(remote: Remote) -> None:
    work = three_deployments(remote)
    # The newest line: nothing links to it yet, but this clone read it.
    seen = remote.branch_tip()
    push_edit(remote, "editor", PATH, '"approvers":[]', '"approvers":["lee"]', last=True)
    message = refused(work)
    assert message.endswith(
        f"the record chain is broken at {PATH} line 4: it changed since this clone read the "
        f'branch at {seen[:12]}: record.approvers is ["lee"] now but [] then'
    )
    assert refused(work) == message  # a refused tree never counts as read
    assert git(work, "rev-parse", "refs/agentcd/agentcd-ledger").strip() == seen


def test_verify_reports_the_break_and_every_bundle(remote: Remote) -> None:
    three_deployments(remote)
    push_edit(remote, "editor", PATH, '"actor":"ana"', '"actor":"mallory"')
    check = open_git_ledger(remote.clone("fresh")).verify()
    assert not check.intact
    assert check.chain.broken is not None
    assert check.chain.broken.where == f"{PATH} line 1 (the claim of #1)"
    assert (check.deployments, check.evals, check.bundles) == (3, 0, ())


def test_an_intact_ledger_verifies_with_its_head(remote: Remote) -> None:
    three_deployments(remote)
    check = open_git_ledger(remote.clone("fresh")).verify()
    last = json.loads(remote.show(PATH).splitlines()[-1])
    assert check.intact and check.chain.broken is None
    assert (check.chain.linked, check.chain.unchained) == (4, 0)
    assert (check.chain.head.n, check.chain.head.link) == (4, link_of(last))


def test_a_replayed_write_is_linked_after_what_won_the_race(remote: Remote) -> None:
    slow = open_git_ledger(remote.clone("slow"))
    assert slow.history() == ()
    open_git_ledger(remote.clone("fast")).append(dep(1, "a", agent="other"))
    slow.append(dep(1, "a"))  # rejected, fetched, re-linked as entry #2, pushed
    ours = json.loads(remote.show(PATH))
    assert ours["chain"]["n"] == 2
    assert open_git_ledger(remote.clone("fresh")).verify().chain.linked == 2


# ---------------------------------------------------------------- ledgers from before the chain


def _unlinked_ledger(remote: Remote) -> Path:
    """A format-1 ledger as an earlier agentcd wrote it: #1 claimed and finished, a verdict."""
    seed = remote.root / "old-ledger"
    git(remote.root, "init", "-q", "-b", "agentcd-ledger", str(seed))
    record = json.loads(dep(1, "a", Status.IN_PROGRESS, finished_at=None).model_dump_json())
    lines = [
        {"event": "claim", "record": record},
        {"event": "finish", "seq": 1, "status": "succeeded", "finished_at": T0.isoformat(),
         "platform_versions": {}, "note": ""},
    ]  # fmt: skip
    verdict = {"agent": "a", "artifact_digest": record["artifact_digest"], "environment": "prod",
               "verdict": "pass", "recorded_at": T0.isoformat()}  # fmt: skip
    (seed / "deployments" / "prod").mkdir(parents=True)
    (seed / PATH).write_text("".join(json.dumps(line) + "\n" for line in lines))
    (seed / "evals").mkdir()
    (seed / "evals" / "a.jsonl").write_text(json.dumps(verdict) + "\n")
    (seed / "ledger.json").write_text('{"format": 1, "kind": "agentcd-ledger"}\n')
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "an older ledger")
    git(seed, "push", "-q", str(remote.path), "agentcd-ledger")
    return seed


def test_a_ledger_written_before_the_chain_reads_and_is_upgraded(remote: Remote) -> None:
    _unlinked_ledger(remote)
    ledger = open_git_ledger(remote.clone("work"))
    assert [(r.seq, r.status) for r in ledger.history()] == [(1, Status.SUCCEEDED)]
    assert len(ledger.evals()) == 1
    check = ledger.verify()
    assert check.intact and (check.chain.linked, check.chain.unchained) == (0, 3)
    ledger.append(dep(2, "b"))
    assert json.loads(remote.show("ledger.json"))["format"] == 2
    check = open_git_ledger(remote.clone("fresh")).verify()
    assert check.intact and (check.chain.linked, check.chain.unchained) == (1, 3)


def test_a_record_from_before_the_chain_edited_after_the_upgrade_is_found(remote: Remote) -> None:
    _unlinked_ledger(remote)
    open_git_ledger(remote.clone("work")).append(dep(2, "b"))
    push_edit(remote, "editor", "evals/a.jsonl", '"verdict": "pass"', '"verdict": "fail"')
    message = refused(remote.clone("fresh"))
    assert f"broken at {PATH} line 3 (the claim of #2): it links the records written before " in (
        message
    )
    assert "one of them was changed, added or removed" in message


def test_an_unlinked_line_after_linked_ones_is_refused(remote: Remote) -> None:
    three_deployments(remote)
    line = json.dumps({"event": "claim", "record": json.loads(dep(4, "d").model_dump_json())})
    other = remote.clone("editor")
    git(other, "fetch", "-q", "origin", "agentcd-ledger:ledger")
    git(other, "switch", "-q", "ledger")
    with (other / PATH).open("a") as f:
        f.write(line + "\n")
    git(other, "commit", "-q", "-am", "one more, by hand")
    git(other, "push", "-q", "origin", "ledger:agentcd-ledger")
    assert "line 5 (the claim of #4): it carries no link but follows linked entries" in refused(
        remote.clone("fresh")
    )
