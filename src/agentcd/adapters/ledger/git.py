"""The git-branch ledger: JSON lines on a branch of the user's own repository (default
`agentcd-ledger`, an orphan branch), shared by every CI job through the remote.

The branch is fetched once, on the first read, and kept up to date by our own writes. Every
write is one commit pushed as a compare-and-set on the commit it was built on; when the branch
moved meanwhile, the edits are replayed on the new tip, each re-checking its sequence number
(`SequenceTaken` when another run took it), and pushed again, a bounded number of times.
`batch()` makes the writes of a block one commit.

Every read is verified: each fetched tree's hash chain (`gitchain`), and, when this clone read
the branch before, that the branch descends from that head (`GitBranch.fetch`) and that every
record file it read then only grew. A tree that fails is refused, never read.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from agentcd.adapters.ledger import gitchain, jsonl
from agentcd.adapters.ledger.gitbranch import Credentials, GitBranch, Tree
from agentcd.adapters.ledger.leases import LeaseEdit, ReleaseLease, TakeLease
from agentcd.adapters.ledger.protocol import LedgerError
from agentcd.core.definition.bundle import Bundle, read_bundle
from agentcd.core.definition.digest import DIGEST_RE
from agentcd.core.deploy.chain import ChainCheck, Head
from agentcd.core.deploy.lease import Lease
from agentcd.core.deploy.ledger import Deployment, EvalRecord, Status
from agentcd.core.deploy.verify import LedgerCheck

MAX_ATTEMPTS = 8
_MAX_PAUSE = 2.0


class GitLedger:
    """A ledger on `branch` of `remote`; a branch that does not exist yet reads as empty, unless
    this clone read it before."""

    def __init__(self, store: GitBranch, *, pause: Callable[[float], None] = time.sleep) -> None:
        self._store = store
        self._pause = pause
        self._tree: Tree | None = None
        self._blobs: dict[str, bytes] = {}
        self._parsed: dict[str, tuple[Deployment, ...]] = {}
        self._pending: list[jsonl.Edit | LeaseEdit] = []
        self._overlay: dict[str, bytes] = {}
        self._depth = 0
        self._checks: dict[str | None, ChainCheck] = {}  # by commit: each tree's chain
        self._listed: dict[str, Mapping[str, str]] = {}  # by commit: the trees seen

    @classmethod
    def open(
        cls, cwd: Path, *, remote: str, branch: str, credentials: Credentials | None = None
    ) -> GitLedger:
        return cls(GitBranch(cwd, remote=remote, branch=branch, credentials=credentials))

    # ------------------------------------------------------------ reading

    def _state(self) -> Tree:
        tree = self._fetched()
        broken = self._checks[tree.commit].broken
        if broken is not None:
            raise LedgerError(f"reading the ledger {self._store.where()}: {broken}")
        return tree

    def _fetched(self) -> Tree:
        if self._tree is None:
            self._tree = self._load(self._store.fetch())
        return self._tree

    def _load(self, tree: Tree) -> Tree:
        """Check the format, and read every record file we have not read yet at once."""
        wanted = [
            blob
            for path, blob in tree.files.items()
            if (path == jsonl.MANIFEST or path.endswith(".jsonl") or path.startswith("leases/"))
            and blob not in self._blobs
        ]
        self._blobs.update(self._store.read(wanted))
        if tree.commit is not None:
            manifest = tree.files.get(jsonl.MANIFEST)
            jsonl.check_manifest(self._blobs.get(manifest or ""), self._store.where())
        if tree.commit not in self._checks:
            self._checks[tree.commit] = self._check(tree)
        if self._checks[tree.commit].broken is not None and tree.seen != tree.commit:
            self._store.restore_seen(tree.seen)
        return tree

    def _check(self, tree: Tree) -> ChainCheck:
        """That what this clone read before (`tree.seen`) only grew (a break found so is named
        field by field), and the tree's chain."""
        files = {p: self._blobs[b] for p, b in tree.files.items() if gitchain.is_chained(p)}
        found = gitchain.check(files, self._store.where())
        if tree.commit is not None:
            self._listed[tree.commit] = tree.files
        if tree.seen in (None, tree.commit):
            return found
        assert tree.seen is not None
        before = self._listed.get(tree.seen) or self._store.list(tree.seen)
        old = [b for p, b in before.items() if gitchain.is_chained(p) and b not in self._blobs]
        self._blobs.update(self._store.read(old))
        broken = gitchain.appended_only(before, tree.files, self._blobs, seen=tree.seen)
        return found if broken is None else replace(found, broken=broken)

    def _head(self) -> Head:
        """The chain's newest entry, with what this run has written but not pushed yet."""
        head = self._checks[self._state().commit].head
        for path, data in self._overlay.items():
            last = gitchain.last_head(data) if gitchain.is_chained(path) else None
            if last is not None and last.n > head.n:
                head = last
        return head

    def _content(self, path: str) -> bytes | None:
        if path in self._overlay:
            return self._overlay[path]
        blob = self._state().files.get(path)
        if blob is None:
            return None
        if blob not in self._blobs:
            self._blobs.update(self._store.read([blob]))
        return self._blobs[blob]

    def _paths(self) -> list[str]:
        return sorted(set(self._state().files) | set(self._overlay))

    def _deployments(self, path: str) -> tuple[Deployment, ...]:
        blob = None if path in self._overlay else self._state().files.get(path)
        if blob is not None and blob in self._parsed:
            return self._parsed[blob]
        records = jsonl.read_deployments(self._content(path) or b"", self._describe(path))
        if blob is not None:
            self._parsed[blob] = records
        return records

    def _describe(self, path: str) -> str:
        return f"{self._store.where()}: {path}"

    def history(
        self, *, agent: str | None = None, environment: str | None = None
    ) -> tuple[Deployment, ...]:
        found = [
            record
            for path in self._paths()
            if jsonl.is_deployments(path) and _matches(path, agent, environment)
            for record in self._deployments(path)
        ]
        return tuple(sorted(found, key=lambda r: (r.environment, r.agent, r.seq)))

    def get_bundle(self, digest: str) -> Bundle | None:
        if not DIGEST_RE.match(digest):
            return None
        path = jsonl.bundle_path(digest)
        data = self._content(path)
        if data is None:
            return None
        return read_bundle(data.decode("utf-8"), path=self._describe(path))

    def evals(self, *, agent: str | None = None) -> tuple[EvalRecord, ...]:
        paths = [jsonl.evals_path(agent)] if agent else self._paths()
        found = [
            record
            for path in paths
            if path.startswith("evals/")
            for record in jsonl.read_evals(self._content(path) or b"", self._describe(path))
        ]
        return tuple(sorted(found, key=lambda e: e.recorded_at))

    def verify(self) -> LedgerCheck:
        tree = self._fetched()
        bundles = [
            b for p, b in tree.files.items() if p.startswith("bundles/") and b not in self._blobs
        ]
        self._blobs.update(self._store.read(bundles))
        files = {
            path: self._blobs[blob] for path, blob in tree.files.items() if blob in self._blobs
        }
        where = self._store.where()
        return gitchain.report(f"the git ledger on {where}", files, self._checks[tree.commit])

    # ------------------------------------------------------------ writing

    def append(self, record: Deployment) -> None:
        self._edit(jsonl.Claim(record))

    def finish(
        self,
        agent: str,
        environment: str,
        seq: int,
        *,
        status: Status,
        finished_at: datetime,
        platform_versions: Mapping[str, str],
        note: str,
    ) -> Deployment:
        edit = jsonl.Finish(
            agent, environment, seq, status, finished_at, dict(platform_versions), note
        )
        done = edit.done(self._content(edit.path))
        self._edit(edit)
        return done

    def put_bundle(self, bundle: Bundle) -> None:
        self._edit(jsonl.PutBundle(bundle))

    def record_eval(self, record: EvalRecord) -> None:
        self._edit(jsonl.AddEval(record))

    def take_lease(self, lease: Lease, *, now: datetime, dead: str | None = None) -> None:
        if self._depth == 0:  # the lease as the branch has it now, not as first fetched
            self._tree = self._load(self._store.fetch())
        self._edit(TakeLease(lease, now, dead))

    def release_lease(self, environment: str, token: str) -> None:
        self._edit(ReleaseLease(environment, token))

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make every write inside the block one commit and one push, at its end: all of them,
        or none when the block raises."""
        self._depth += 1
        try:
            yield
        except BaseException:
            if self._depth == 1:
                self._pending.clear()
                self._overlay.clear()
            raise
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._flush()

    def _edit(self, edit: jsonl.Edit | LeaseEdit) -> None:
        changed = self._applied(edit)  # SequenceTaken as far as we know
        if changed is None:
            return
        self._pending.append(edit)
        self._overlay[edit.path] = changed
        if self._depth == 0:
            self._flush()

    def _flush(self) -> None:
        try:
            for attempt in range(MAX_ATTEMPTS):
                if not self._overlay:
                    return
                if self._push_pending():
                    return
                self._pause(min(_MAX_PAUSE, random.uniform(0.02, 0.05) * 2**attempt))
                self._tree = self._load(self._store.fetch())
                self._overlay = self._replay()
            raise LedgerError(
                f"writing the ledger {self._store.where()}: the branch kept moving under "
                f"{MAX_ATTEMPTS} attempts to push; try again"
            )
        finally:
            self._pending.clear()
            self._overlay.clear()

    def _applied(self, edit: jsonl.Edit | LeaseEdit) -> bytes | None:
        """The edit's file after it, its new record lines linked in the chain."""
        current = self._content(edit.path)
        changed = edit.apply(current)
        if changed is None or not gitchain.is_chained(edit.path):
            return changed
        return gitchain.link_appended(current, changed, self._head())

    def _push_pending(self) -> bool:
        base = self._state()
        changes = dict(self._overlay)
        if self._content(jsonl.MANIFEST) != jsonl.MANIFEST_BYTES:  # new, or an older format
            changes[jsonl.MANIFEST] = jsonl.MANIFEST_BYTES
        head = self._head()
        written = self._store.commit(base, changes, _message(self._pending))
        if not self._store.push(written, expected=base.commit):
            return False
        for path, data in changes.items():
            self._blobs[written.files[path]] = data
        self._tree = written
        self._listed[str(written.commit)] = written.files
        self._checks[written.commit] = replace(self._checks[base.commit], linked=head.n, head=head)
        return True

    def _replay(self) -> dict[str, bytes]:
        """The pending edits on the fresh branch; `SequenceTaken` if one no longer applies."""
        self._overlay = {}
        for edit in self._pending:
            changed = self._applied(edit)
            if changed is not None:
                self._overlay[edit.path] = changed
        return self._overlay


def _matches(path: str, agent: str | None, environment: str | None) -> bool:
    _, env, file = path.split("/", 2)
    return (agent is None or file == f"{agent}.jsonl") and environment in (None, env)


def _message(edits: list[jsonl.Edit | LeaseEdit]) -> str:
    lines = [edit.describe() for edit in edits]
    more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
    body = "\n".join(f"- {line}" for line in lines)
    # Keep CI from running for ledger commits (GitHub and GitLab both honour the marker).
    return f"agentcd ledger: {lines[0] if lines else 'start'}{more}\n\n{body}\n\n[skip ci]\n"
