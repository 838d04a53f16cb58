"""`agentcd build -C <folder> [--rev REV]`: a project in a subfolder, revisions, clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import EXAMPLE, git


def test_a_project_in_a_subfolder_builds_from_the_tree_and_a_revision(cli, tmp_path: Path) -> None:
    root = tmp_path / "mono"
    shutil.copytree(EXAMPLE, root / "sub" / "dir", ignore=shutil.ignore_patterns(".agentcd"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    work = cli("-C", "sub/dir", "build", cwd=root)
    at_head = cli("-C", "sub/dir", "build", "--rev", "HEAD", cwd=root)
    from_inside = cli("build", "--rev", "HEAD", cwd=root / "sub" / "dir")
    assert work.code == at_head.code == from_inside.code == 0, (work, at_head)
    assert work.out == at_head.out == from_inside.out
    assert len(work.out.splitlines()) == 3


def test_a_shallow_clone_builds_head(cli, repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    assert cli("build", "--rev", "HEAD", cwd=clone).out == cli("build", cwd=repo).out


def test_an_unknown_revision_is_exit_1_with_a_message(cli, repo: Path) -> None:
    result = cli("build", "--rev", "v9.9.9", cwd=repo)
    assert result.code == 1
    assert result.err == (
        "error: reading revision 'v9.9.9': no such commit in this repository "
        "(a shallow or single-branch clone may lack it: fetch it first)\n"
    )


def test_a_revision_outside_git_is_exit_1_with_a_message(cli, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "p", ignore=shutil.ignore_patterns(".agentcd"))
    result = cli("build", "--rev", "HEAD", cwd=tmp_path / "p")
    assert result.code == 1
    folder = (tmp_path / "p").resolve()
    assert result.err == f"error: reading revision 'HEAD': {folder} is not in a git repository\n"
