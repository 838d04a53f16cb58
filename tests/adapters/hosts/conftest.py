"""Fixtures for the host adapters: fake GitHub and GitLab APIs on `responses`.

Every request a GitHub test sends, and every answer the fake gives, is checked against
GitHub's official REST description when the test ends.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from tests.adapters.hosts.fake_github import FakeGitHub
from tests.adapters.hosts.fake_gitlab import FakeGitLab
from tests.openapi.github_check import check_exchange


def _github(api_url: str) -> Iterator[FakeGitHub]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, api_url=api_url).install()
        yield fake
        problems = [
            problem
            for call in rsps.calls
            for problem in check_exchange(
                str(call.request.method),
                str(call.request.url),
                call.request.body,
                call.response.status_code,
                call.response.text,
                api_url=api_url,
            )
        ]
    assert not problems, "requests disagree with GitHub's REST description:\n" + "\n".join(problems)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """A fake api.github.com."""
    yield from _github("https://api.github.com")


@pytest.fixture
def ghes() -> Iterator[FakeGitHub]:
    """A fake GitHub Enterprise Server API (`GITHUB_API_URL=https://HOST/api/v3`)."""
    yield from _github("https://github.example.com/api/v3")


@pytest.fixture
def gitlab_api() -> Iterator[FakeGitLab]:
    """A fake self-managed GitLab at gitlab.example.com."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeGitLab(rsps).install()
