"""`adapters.git`: the one place git is started, run against real temporary repositories."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from agentcd.adapters.git import GitProcess, ask_git, observing, run_git, start_git
from agentcd.errors import GitError
from tests.conftest import ROOT, git

SRC = ROOT / "src" / "agentcd"
HELLO_BLOB = "ce013625030ba8dba906f756967f9e9ca394464a"  # `git hash-object` of b"hello\n"
EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # and of b""


def _modules() -> dict[str, ast.Module]:
    return {
        path.relative_to(SRC).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(SRC.rglob("*.py"))
    }


def _imports_subprocess(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "subprocess" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "subprocess":
            return True
    return False


def _starts_git(tree: ast.Module) -> bool:
    """Whether a list or tuple in the module begins with the string "git" (an argv)."""
    return any(
        isinstance(node, ast.List | ast.Tuple)
        and node.elts
        and isinstance(node.elts[0], ast.Constant)
        and node.elts[0].value == "git"
        for node in ast.walk(tree)
    )


def test_only_the_runner_imports_subprocess() -> None:
    importing = {name for name, tree in _modules().items() if _imports_subprocess(tree)}
    # The `command` eval target runs the user's program, never git.
    assert importing == {"adapters/git.py", "adapters/invokers/command.py"}


def test_only_the_runner_spells_a_git_command_line() -> None:
    assert {name for name, tree in _modules().items() if _starts_git(tree)} == {"adapters/git.py"}


@pytest.fixture
def new_repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    return tmp_path


def test_a_command_runs_to_the_end_with_its_output(new_repo: Path) -> None:
    done = run_git(new_repo, "rev-parse", "--is-inside-work-tree", check=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"true\n", b"")


def test_stdin_is_the_whole_input(new_repo: Path) -> None:
    done = run_git(new_repo, "hash-object", "--stdin", stdin=b"hello\n")
    assert done.stdout == f"{HELLO_BLOB}\n".encode()
    assert run_git(new_repo, "hash-object", "--stdin").stdout == f"{EMPTY_BLOB}\n".encode()


def test_a_failure_is_a_result_unless_checked(new_repo: Path) -> None:
    done = run_git(new_repo, "rev-parse", "--verify", "nothing")
    assert (done.returncode, done.stdout) == (128, b"")
    assert done.stderr == b"fatal: Needed a single revision\n"
    with pytest.raises(GitError) as e:
        run_git(new_repo, "rev-parse", "--verify", "nothing", check=True)
    assert (e.value.command, e.value.returncode) == ("rev-parse", 128)
    assert str(e.value) == "git rev-parse: fatal: Needed a single revision"


def test_a_checked_failure_without_a_message_names_the_exit_code(new_repo: Path) -> None:
    with pytest.raises(GitError) as e:
        run_git(new_repo, "rev-parse", "--verify", "--quiet", "nothing", check=True)
    assert (str(e.value), e.value.detail) == ("git rev-parse: exit 1", "")


def test_a_git_that_cannot_start_is_an_error_even_unchecked(tmp_path: Path) -> None:
    with pytest.raises(GitError) as e:
        run_git(tmp_path / "missing", "status")
    assert e.value.returncode is None
    assert str(e.value).startswith("git status: [Errno 2] No such file or directory")


def test_env_and_config_reach_git_over_the_defaults(new_repo: Path) -> None:
    alias = ("alias.env=!env",)  # `git env` runs env(1): the environment git was given
    lines = run_git(new_repo, "env", config=alias).stdout.decode().splitlines()
    assert {"GIT_TERMINAL_PROMPT=0", "LC_ALL=C"} <= set(lines)
    env = {"LC_ALL": "C.UTF-8", "AGENTCD_PROBE": "1"}
    lines = run_git(new_repo, "env", env=env, config=alias).stdout.decode().splitlines()
    assert {"GIT_TERMINAL_PROMPT=0", "LC_ALL=C.UTF-8", "AGENTCD_PROBE=1"} <= set(lines)


def test_asking_git_gives_its_stripped_answer_or_none(new_repo: Path) -> None:
    assert ask_git(new_repo, "rev-parse", "--is-inside-work-tree") == "true"
    assert ask_git(new_repo, "rev-parse", "--verify", "--quiet", "HEAD") is None  # no commit yet
    assert ask_git(new_repo, "var", "GIT_NOTHING") is None
    assert ask_git(new_repo / "missing", "status") is None


def test_a_conversation_with_git_through_its_pipes(new_repo: Path) -> None:
    oid = (
        run_git(new_repo, "hash-object", "-w", "--stdin", stdin=b"hello\n").stdout.decode().strip()
    )
    proc = start_git(new_repo, "cat-file", "--batch")
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(f"{oid}\n".encode())
    proc.stdin.close()
    assert proc.stdout.read() == f"{oid} blob 6\n".encode() + b"hello\n\n"
    assert proc.wait() == 0


def test_observers_see_each_git_process_started_in_their_block(new_repo: Path) -> None:
    seen: list[GitProcess] = []
    with observing(seen.append):
        run_git(new_repo, "status", env={"AGENTCD_PROBE": "1"}, config=("core.pager=cat",))
        proc = start_git(new_repo, "cat-file", "--batch")
        with pytest.raises(GitError):
            run_git(new_repo / "missing", "status")  # never started: not seen
    run_git(new_repo, "status")
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait()
    assert [(p.argv, p.cwd) for p in seen] == [
        (("git", "-c", "core.pager=cat", "status"), new_repo),
        (("git", "cat-file", "--batch"), new_repo),
    ]
    assert seen[0].env == {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "AGENTCD_PROBE": "1"}
    assert "AGENTCD_PROBE" not in repr(seen[0])  # the variables may hold a token
