"""`adapters.source.GitTree` reads ahead: any read order gives the committed bytes, bounded."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from agentcd.adapters import source
from agentcd.adapters.source import GitTree
from tests.conftest import git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Folders of small files, a large file, identical files, a symlink, and root-level files."""
    files = {"agentcd.yaml": b"root\n", "README.md": b"readme\n"}
    for a in range(6):
        for f in range(12):
            files[f"agents/a{a}/f{f:02d}.md"] = f"agent {a} file {f}\n".encode()
        files[f"agents/a{a}/same.md"] = b"identical\n"
    files["agents/a3/big.bin"] = os.urandom(300 * 1024)
    files["skills/s/SKILL.md"] = b"---\nname: s\n---\n"
    for path, data in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    os.symlink("a0", tmp_path / "agents" / "link")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "files")
    return tmp_path


def _files(repo: Path) -> list[str]:
    listed = git(repo, "ls-files").split()
    return [p for p in listed if not (repo / p).is_symlink()]


@pytest.mark.parametrize("seed", range(3))
def test_any_read_order_gives_the_committed_bytes(repo: Path, seed: int) -> None:
    paths = _files(repo)
    random.Random(seed).shuffle(paths)
    with GitTree(repo, "HEAD") as tree:
        read = {p: tree.read(p) for p in paths}
        assert tree.link_target("agents/link") == "a0"
        again = tree.read(paths[0])
    assert read == {p: (repo / p).read_bytes() for p in paths}
    assert again == read[paths[0]]


def test_read_ahead_stays_in_the_top_folder(repo: Path) -> None:
    with GitTree(repo, "HEAD") as tree:
        tree.read("agents/a0/f00.md")
        ahead = [*tree._pending, *tree._fetched]
        assert ahead and all(p.startswith("agents/") for p in ahead)
        assert "agents/a3/big.bin" not in ahead  # over the size read ahead
        tree.close()
        tree.read("README.md")
        assert not [*tree._pending, *tree._fetched]  # nothing from the project folder itself


def test_read_ahead_holds_a_bounded_number_of_bytes(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "_AHEAD_HELD_BYTES", 100)
    with GitTree(repo, "HEAD") as tree:
        tree.read("agents/a0/f00.md")
        held = sum(tree.size(p) for p in [*tree._pending, *tree._fetched])
        assert 0 < held <= 100
