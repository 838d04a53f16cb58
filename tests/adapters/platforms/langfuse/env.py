"""The loopback fake and the keys pointed at it, shared by this folder's fixtures, the
conformance world and the example's test (which see no fixture of this folder).

One server a session (started on first use, stopped when pytest ends); each test gets a fresh
fake state behind it, so tests are isolated without restarting the server."""

from __future__ import annotations

import os

import pytest

from tests.adapters.platforms.langfuse.fake import PUBLIC_KEY, SECRET_KEY, FakeLangfuse, Loopback

_SESSION_KEY = pytest.StashKey[Loopback]()


def session_server(config: pytest.Config) -> Loopback:
    if _SESSION_KEY not in config.stash:
        server = Loopback(FakeLangfuse())
        config.add_cleanup(server.stop)
        config.stash[_SESSION_KEY] = server
    return config.stash[_SESSION_KEY]


def fresh_fake(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Loopback:
    """The session's server answering from a new, empty state, the keys in the default
    variables and nothing else of Langfuse's in the environment; at the test's end no request
    or reply may have left the description."""
    server = session_server(request.config)
    fake = server.fake = FakeLangfuse()
    for name in list(os.environ):
        if name.startswith(("LANGFUSE_", "OTEL_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", PUBLIC_KEY)
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", SECRET_KEY)

    def no_violations() -> None:
        assert fake.violations == [], "requests or replies outside the OpenAPI description"

    request.addfinalizer(no_violations)
    return server
