"""Starting git: every git process agentcd runs is started here, the same way.

`run_git` runs a command to the end with its output captured; `start_git` starts one that the
caller talks to through pipes (`cat-file --batch`). Observers registered with `observing` see
every process started, so a test or a benchmark can count them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from agentcd.adapters.environ import child_environment
from agentcd.errors import GitError

# agentcd never runs git interactively, and the ledger matches git's messages by their text:
# no git of ours waits for a password on a terminal or answers in a translated language.
_ENVIRONMENT = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


@dataclass(frozen=True, slots=True)
class GitResult:
    """A finished git process: its exit code and what it wrote."""

    returncode: int
    stdout: bytes
    stderr: bytes


@dataclass(frozen=True, slots=True)
class GitProcess:
    """A git process as started: the whole argument vector, where, and the variables set on
    top of this process's environment (they may hold a token, so they are not shown)."""

    argv: tuple[str, ...]
    cwd: Path
    env: Mapping[str, str] = field(repr=False)


Observer = Callable[[GitProcess], None]
_OBSERVERS: list[Observer] = []


@contextmanager
def observing(observer: Observer) -> Iterator[None]:
    """Call `observer` with every git process started inside the block."""
    _OBSERVERS.append(observer)
    try:
        yield
    finally:
        _OBSERVERS.remove(observer)


def run_git(
    cwd: Path,
    *args: str,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
    config: Sequence[str] = (),
    check: bool = False,
) -> GitResult:
    """`git <args>` in `cwd`, run to the end, its output captured.

    `stdin` is git's whole input (without it, git reads an empty one); `env` is added to the
    environment; each `key=value` of `config` becomes a `-c` before the command. With `check`,
    an exit code other than 0 raises GitError; a git that cannot start always does.
    """
    proc = _start(cwd, args, env=env, config=config, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(stdin)
    finally:
        if proc.returncode is None:  # interrupted: git must not outlive us (as subprocess.run)
            proc.kill()
            proc.wait()
    if check and proc.returncode != 0:
        raise GitError(args[0], proc.returncode, err.decode("utf-8", "replace").strip())
    return GitResult(proc.returncode, out, err)


def ask_git(cwd: Path, *args: str) -> str | None:
    """What `git <args>` in `cwd` prints, stripped; None when it fails, cannot start, or
    prints nothing (a question whose "no" is an exit code, like `symbolic-ref -q HEAD`)."""
    try:
        out = run_git(cwd, *args, check=True).stdout
    except GitError:
        return None
    return out.decode("utf-8", "replace").strip() or None


def start_git(cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    """`git <args>` in `cwd`, started for a conversation: the caller writes its stdin, reads
    its stdout and waits for it; what git writes to stderr goes to ours."""
    return _start(cwd, args, env=None, config=(), stderr=None)


def _start(
    cwd: Path,
    args: tuple[str, ...],
    *,
    env: Mapping[str, str] | None,
    config: Sequence[str],
    stderr: int | None,
) -> subprocess.Popen[bytes]:
    argv = ("git", *(arg for item in config for arg in ("-c", item)), *args)
    extra = {**_ENVIRONMENT, **(env or {})}
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=child_environment(extra),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    except OSError as e:  # no git on PATH, or no such folder
        raise GitError(args[0], None, str(e)) from e
    started = GitProcess(argv, cwd, extra)
    for observer in tuple(_OBSERVERS):
        observer(started)
    return proc
