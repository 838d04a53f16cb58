"""Fixtures for the ledger backends' tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapters.ledger.gitrepos import Remote, make_remote


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Remote:
    """A bare repository standing in for the code host, with `main` holding one commit."""
    return make_remote(tmp_path, monkeypatch)
