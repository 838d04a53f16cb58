"""Fixtures every platform's tests share: fake AWS credentials with nothing of this machine's
AWS setup read, and the in-process Bedrock fake (checked for requests off the service model)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.adapters.platforms.bedrock.fake import FakeBedrock


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no shared config: nothing of this machine's AWS setup is read."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEKEY000000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def fake() -> Iterator[FakeBedrock]:
    bedrock = FakeBedrock()
    bedrock.knowledge_base_ids |= {"KBDEV00001", "KBPROD0001", "KBPROD0002"}
    yield bedrock
    assert bedrock.violations == [], "requests that do not fit the service model"
