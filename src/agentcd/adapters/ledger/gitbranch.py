"""One branch of a git remote as a store of files, read and written with plumbing only.

Reading fetches the branch into a private ref (`refs/agentcd/<branch>`) and reads its tree with
`ls-tree` and `cat-file --batch`. Writing builds a commit with `hash-object`, a temporary index
(`GIT_INDEX_FILE`) and `commit-tree`, then pushes it with `--force-with-lease` on the commit it
was built on: the push is the compare-and-set. The user's working tree, index and HEAD are
never touched, and no hook runs. The private ref is also the head this clone read last: a
fetched branch that does not descend from it, or is gone, is refused.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from agentcd.adapters.git import GitResult, run_git
from agentcd.adapters.ledger.protocol import LedgerError
from agentcd.errors import GitError

PRIVATE_REFS = "refs/agentcd/"
_IDENTITY = {
    "GIT_AUTHOR_NAME": "agentcd",
    "GIT_AUTHOR_EMAIL": "agentcd@users.noreply.invalid",
    "GIT_COMMITTER_NAME": "agentcd",
    "GIT_COMMITTER_EMAIL": "agentcd@users.noreply.invalid",
}
# The token reaches git through the environment of the one child process, never its arguments.
_HELPER = (
    '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" '
    '"$AGENTCD_GIT_USERNAME" "$AGENTCD_GIT_PASSWORD"; }; f'
)
_QUIET = ("gc.auto=0", "maintenance.auto=false", "core.hooksPath=/dev/null")  # as `-c` config
_CONFLICTS = ("stale info", "non-fast-forward", "fetch first", "failed to update ref", "lock")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")
_ACCESS_HINT = (
    "check the remote and the credentials: on GitHub, give agentcd GITHUB_TOKEN and the job "
    "`contents: write`; on GitLab, set AGENTCD_GITLAB_TOKEN to an access token with "
    "`write_repository` (see docs/ci.md)"
)


@dataclass(frozen=True, slots=True)
class Credentials:
    """HTTP credentials for the remote (a CI token); ignored for ssh and local remotes."""

    username: str
    token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Tree:
    """The branch at one commit (None: the branch does not exist): path -> blob id."""

    commit: str | None
    files: Mapping[str, str]
    seen: str | None = None  # the head this clone had read before this fetch, if any


_FETCH_ATTEMPTS = 6


class GitBranch:
    """`branch` of `remote` (a remote's name, a URL, a path, or `.` for this repository)."""

    def __init__(
        self, cwd: Path, *, remote: str, branch: str, credentials: Credentials | None = None
    ) -> None:
        self.cwd, self.remote, self.branch = cwd, remote, branch
        self._credentials = credentials
        self._target: str | None = None
        self._where: str | None = None

    @property
    def private_ref(self) -> str:
        return PRIVATE_REFS + self.branch

    def where(self) -> str:
        """The branch and remote for messages, without credentials."""
        if self._where is None:
            url = self._remote_url()
            shown = f"{self.remote} ({url})" if url and url != self.remote else self.remote
            self._where = self._redact(f"branch {self.branch} of {shown}")
        return self._where

    # ------------------------------------------------------------ reading

    def fetch(self) -> Tree:
        """The branch as the remote has it now; refused when this clone read it before and it
        is gone, or no longer descends from the head read then (rewound or rewritten)."""
        seen = self.seen()
        refspec = f"+refs/heads/{self.branch}:{self.private_ref}"
        # `--refmap=`: update only our ref, not the remote's tracking refs, which other jobs in
        # this clone may be fetching at the same moment.
        args = ("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules")
        for attempt in range(_FETCH_ATTEMPTS):
            done = self._run(*args, "--refmap=", self.target(), refspec, check=False, remote=True)
            if done.returncode == 0 or b"cannot lock ref" not in done.stderr:
                break
            time.sleep(0.05 * 2**attempt)  # another run in this clone is updating our ref
        if done.returncode == 0:
            commit = self._run("rev-parse", "--verify", self.private_ref).stdout.decode().strip()
            self._descends(seen, commit)
            return Tree(commit, self.list(commit), seen)
        error = done.stderr.decode("utf-8", "replace")
        if "couldn't find remote ref" in error:
            if seen is not None:
                raise LedgerError(self._vanished(seen))
            return Tree(None, {})
        raise LedgerError(f"reading the ledger: fetching {self.where()}: {self._explain(error)}")

    def seen(self) -> str | None:
        """The head of the branch this clone read last (fetched or pushed), if it ever did."""
        done = self._run("rev-parse", "--verify", "--quiet", self.private_ref, check=False)
        return (done.stdout.decode().strip() or None) if done.returncode == 0 else None

    def restore_seen(self, seen: str | None) -> None:
        """Remember `seen` (None: nothing) as the head read last again, after a fetched tree
        failed its checks: a refused tree never counts as read."""
        if seen is None:
            self._run("update-ref", "-d", self.private_ref)
        else:
            self._run("update-ref", self.private_ref, seen)

    def _descends(self, seen: str | None, commit: str) -> None:
        """Refuse a branch that does not descend from what this clone read, and keep
        remembering that head, so every later read is refused too."""
        if seen is None or seen == commit:
            return
        done = self._run("merge-base", "--is-ancestor", seen, commit, check=False)
        if done.returncode == 0:
            return
        self.restore_seen(seen)
        if done.returncode != 1:
            raise LedgerError(
                f"reading the ledger {self.where()}: comparing it with {seen}, the head this "
                f"clone read last: {done.stderr.decode('utf-8', 'replace').strip()}"
            )
        raise LedgerError(
            f"reading the ledger {self.where()}: refused: it is at {commit[:12]}, which does not "
            f"descend from {seen[:12]}, the head this clone read last: the branch was rewound or "
            f"rewritten (force-pushed), so records may be gone or changed. {self._recover(seen)}"
        )

    def _vanished(self, seen: str) -> str:
        return (
            f"reading the ledger {self.where()}: refused: the branch is gone, but this clone read "
            f"it at {seen[:12]}: it was deleted, or `ledger` in agentcd.yaml now names another "
            f"branch or remote. {self._recover(seen)}"
        )

    def _recover(self, seen: str) -> str:
        remote = self._redact(self.remote)
        return (
            f"To restore what this clone read: `git push --force {remote} "
            f"{seen}:refs/heads/{self.branch}`; to accept the branch as it is now: `git "
            f"update-ref -d {self.private_ref}` (protect the branch: docs/promotion.md, "
            '"Trusting the record")'
        )

    def list(self, commit: str) -> dict[str, str]:
        out = self._run("ls-tree", "-r", "-z", "--full-tree", commit).stdout.decode("utf-8")
        files = {}
        for entry in filter(None, out.split("\0")):
            meta, path = entry.split("\t", 1)
            files[path] = meta.split()[2]
        return files

    def read(self, blob_ids: Iterable[str]) -> dict[str, bytes]:
        """The contents of blobs, by id, in one `cat-file --batch`."""
        ids = list(dict.fromkeys(blob_ids))
        if not ids:
            return {}
        out = self._run("cat-file", "--batch", stdin="".join(i + "\n" for i in ids).encode())
        data, pos, found = out.stdout, 0, {}
        for blob_id in ids:
            end = data.index(b"\n", pos)
            header = data[pos:end].split()
            if len(header) != 3:
                raise LedgerError(f"reading the ledger {self.where()}: object {blob_id} is missing")
            size = int(header[2])
            found[blob_id] = data[end + 1 : end + 1 + size]
            pos = end + 2 + size
        return found

    # ------------------------------------------------------------ writing

    def commit(self, base: Tree, changes: Mapping[str, bytes], message: str) -> Tree:
        """A new commit on top of `base` with `changes` (path -> content); nothing is pushed."""
        with tempfile.TemporaryDirectory(prefix="agentcd-ledger-") as tmp:
            index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            blobs = self._hash(Path(tmp), changes)
            if base.commit:
                self._run("read-tree", base.commit, env=index)
            entries = "".join(f"100644 {blobs[p]}\t{p}\0" for p in sorted(changes))
            self._run("update-index", "-z", "--index-info", stdin=entries.encode(), env=index)
            tree = self._run("write-tree", env=index).stdout.decode().strip()
        parents = ("-p", base.commit) if base.commit else ()
        commit = self._run(
            "commit-tree", tree, *parents, "-F", "-", stdin=message.encode(), env=_IDENTITY
        )
        return Tree(commit.stdout.decode().strip(), {**base.files, **blobs})

    def _hash(self, folder: Path, changes: Mapping[str, bytes]) -> dict[str, str]:
        paths = sorted(changes)
        files = []
        for n, path in enumerate(paths):
            file = folder / f"blob-{n}"
            file.write_bytes(changes[path])
            files.append(str(file))
        stdin = "".join(f + "\n" for f in files).encode()
        out = self._run("hash-object", "-w", "--no-filters", "--stdin-paths", stdin=stdin)
        return dict(zip(paths, out.stdout.decode().split(), strict=True))

    def push(self, tree: Tree, *, expected: str | None) -> bool:
        """Make the branch `tree.commit` if it still is `expected`; False when it moved."""
        assert tree.commit is not None
        ref = f"refs/heads/{self.branch}"
        lease = f"--force-with-lease={ref}:{expected or ''}"
        done = self._run(
            "push", "--porcelain", "--no-verify", "--quiet", lease, self.target(),
            f"{tree.commit}:{ref}", check=False, remote=True,
        )  # fmt: skip
        if done.returncode == 0:
            self._run("update-ref", self.private_ref, tree.commit)
            return True
        out = done.stdout.decode("utf-8", "replace")
        rejected = next((line for line in out.splitlines() if line.startswith("!")), None)
        if rejected and any(reason in rejected for reason in _CONFLICTS):
            return False
        reason = rejected.split("\t")[-1] if rejected else done.stderr.decode("utf-8", "replace")
        raise LedgerError(f"writing the ledger: pushing to {self.where()}: {self._explain(reason)}")

    # ------------------------------------------------------------ git

    def target(self) -> str:
        """What fetch and push address: the remote as configured, or, when we hold a token for
        an HTTP remote, its URL without any credentials in it (ours are used instead)."""
        if self._target is None:
            url = self._remote_url() if self._credentials else None
            use_url = url is not None and url.lower().startswith(("https://", "http://"))
            self._target = _USERINFO.sub(r"\1", url) if use_url and url else self.remote
        return self._target

    def _remote_url(self) -> str | None:
        if "://" in self.remote:
            return self.remote
        done = self._run("remote", "get-url", self.remote, check=False)
        return done.stdout.decode().strip() or None if done.returncode == 0 else None

    def _run(
        self,
        *args: str,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        remote: bool = False,
    ) -> GitResult:
        extra = dict(env or {})
        config: tuple[str, ...] = _QUIET
        if remote and self._credentials and self.target() != self.remote:
            extra["AGENTCD_GIT_USERNAME"] = self._credentials.username
            extra["AGENTCD_GIT_PASSWORD"] = self._credentials.token
            config += ("credential.helper=", f"credential.helper={_HELPER}")
        try:
            return run_git(self.cwd, *args, stdin=stdin, env=extra, config=config, check=check)
        except GitError as e:
            if e.returncode is None:
                raise LedgerError(f"using the git ledger: cannot run git: {e.detail}") from e
            raise LedgerError(
                f"using the git ledger in {self.cwd}: git {args[0]}: {e.detail}"
            ) from e

    def _explain(self, error: str) -> str:
        lines = [line.strip() for line in error.splitlines() if line.strip()]
        text = self._redact("; ".join(line.removeprefix("fatal: ") for line in lines[:3]))
        if "does not appear to be a git repository" in text and "/" not in self.remote:
            return (
                f"{text} (add the remote with `git remote add {self.remote} URL`, or set "
                "`ledger.remote` in agentcd.yaml to a URL, a path, or `.` for this repository)"
            )
        return f"{text} ({_ACCESS_HINT})"

    def _redact(self, text: str) -> str:
        text = _USERINFO.sub(r"\1***@", text)
        if self._credentials and self._credentials.token:
            text = text.replace(self._credentials.token, "***")
        return text
