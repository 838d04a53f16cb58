"""`adapters.catfile`: many blob requests in flight on one `git cat-file --batch` process."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcd.adapters.catfile import WINDOW, CatFile
from agentcd.errors import SourceError
from tests.conftest import git

CONTENTS = [b"", b"one\n", b"one\n", b"\x00\x01binary\xff", b"x" * 100_000, b"last\n"]


@pytest.fixture
def blobs(tmp_path: Path) -> tuple[Path, list[str]]:
    git(tmp_path, "init", "-q")
    oids = []
    for i, data in enumerate(CONTENTS):
        (tmp_path / f"f{i}").write_bytes(data)
        oids.append(git(tmp_path, "hash-object", "-w", f"f{i}").strip())
    return tmp_path, oids


def test_answers_come_in_request_order(blobs: tuple[Path, list[str]]) -> None:
    repo, oids = blobs
    cat = CatFile(repo)
    cat.request(oids[:3])
    assert cat.receive() == CONTENTS[0]
    cat.request(oids[3:])
    assert cat.in_flight == len(oids) - 1
    assert [cat.receive() for _ in oids[1:]] == CONTENTS[1:]
    assert cat.in_flight == 0
    cat.close()


def test_a_full_window_of_large_answers_does_not_block(blobs: tuple[Path, list[str]]) -> None:
    repo, oids = blobs
    cat = CatFile(repo)
    large = [oids[4]] * WINDOW  # 6.4 MB of answers waiting behind a 64 KiB pipe
    cat.request(large)
    assert all(cat.receive() == CONTENTS[4] for _ in large)
    cat.close()


def test_closing_with_answers_unread_ends_git(blobs: tuple[Path, list[str]]) -> None:
    repo, oids = blobs
    cat = CatFile(repo)
    cat.request([oids[4]] * 8)
    cat.close()
    assert cat._proc.returncode == 0


def test_a_missing_object_is_an_error(blobs: tuple[Path, list[str]]) -> None:
    repo, oids = blobs
    cat = CatFile(repo)
    missing = "0" * 40
    cat.request([oids[1], missing, oids[2]])
    assert cat.receive() == CONTENTS[1]
    with pytest.raises(SourceError) as e:
        cat.receive()
    assert str(e.value) == f"git cat-file answered '{missing} missing' for {missing}"
    cat.close()
