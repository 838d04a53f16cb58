"""What one `agentcd promote --env dev` of the example reads, counted in one process.

    python bench/promote_trace.py

Counts, for a first promotion of the three example agents from the committed HEAD with the
SQLite ledger and the `file` platform: reads of `agentcd.yaml` and of each agent definition
(working tree or revision), git processes started, `ledger.history` calls and platform
`read_live` calls. The goal (each input read once per run) is a count, not a time: this prints
the figures, and exits 1 while any input is read more than once.
"""

from __future__ import annotations

import collections
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agentcd.adapters.git import GitProcess, observing
from agentcd.adapters.ledger.git import GitLedger
from agentcd.adapters.ledger.sqlite import SqliteLedger
from agentcd.adapters.platforms.file import FilePlatform
from agentcd.adapters.source import GitTree, WorkTree
from agentcd.cli import main as agentcd_main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "support-desk"


@contextlib.contextmanager
def counting() -> Iterator[collections.Counter[str]]:
    """Count, while the block runs: `read <Tree>:<path>` for `agentcd.yaml` and each
    `agent.yaml`, `ledger.history` and `ledger.evals` (both ledgers), `read_live <agent>`, and
    `git <argv>` for every git process (`tests/commands/test_promote_reads.py` uses it too)."""
    counts: collections.Counter[str] = collections.Counter()
    patches: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, key: Callable[..., str | None]) -> None:
        original = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            label = key(*args, **kwargs)
            if label:
                counts[label] += 1
            return original(*args, **kwargs)

        patches.append((owner, name, original))
        setattr(owner, name, counted)

    def read_key(tree: Any, path: str) -> str | None:
        if path == "agentcd.yaml" or path.endswith("/agent.yaml"):
            return f"read {type(tree).__name__}:{path}"
        return None

    wrap(WorkTree, "read", read_key)
    wrap(GitTree, "read", read_key)
    for ledger in (SqliteLedger, GitLedger):
        wrap(ledger, "history", lambda *a, **k: "ledger.history")
        wrap(ledger, "evals", lambda *a, **k: "ledger.evals")
    wrap(FilePlatform, "read_live", lambda _platform, agent, _env: f"read_live {agent}")

    def count_git(process: GitProcess) -> None:
        counts["git " + " ".join(process.argv[1:])] += 1
        if os.environ.get("AGENTCD_TRACE_GIT"):
            print("git", *process.argv[1:], file=sys.stderr)

    try:
        with observing(count_git):
            yield counts
    finally:
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "support-desk"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".agentcd", "__pycache__"))
        env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid"}
        env |= {"GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.invalid"}
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
            subprocess.run(["git", *args], cwd=project, env=env, check=True)
        out = io.StringIO()
        with counting() as counts, contextlib.redirect_stdout(out):
            code = agentcd_main(["-C", str(project), "promote", "--env", "dev"])
    if code != 0:
        print(out.getvalue(), file=sys.stderr)
        return 1
    git = {label: n for label, n in counts.items() if label.startswith("git ")}
    shown = {label: n for label, n in counts.items() if label not in git}
    shown[f"git processes ({len(git)} different commands)"] = sum(git.values())
    for label, n in sorted(shown.items()):
        print(f"{n:4d}  {label}")
    reads = {label: n for label, n in counts.items() if label.startswith("read ")}
    once = all(n == 1 for n in reads.values())
    print(f"{'ok  ' if once else 'FAIL'}  each definition file read once per run")
    return 0 if once else 1


if __name__ == "__main__":
    sys.exit(main())
