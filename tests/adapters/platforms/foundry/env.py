"""The loopback HTTPS fake and a CI job's workload-identity environment pointed at it, shared
by this folder's fixtures and the conformance world (which sees no fixture of this folder).

One server a session (started on first use, stopped when pytest ends); each test gets a fresh
fake state behind it, so tests are isolated without restarting the server."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import pytest
import trustme

from tests.adapters.platforms.foundry.fake import CLIENT_ID, TENANT, FakeFoundry, Server, serve

_SESSION_KEY = pytest.StashKey[tuple[Server, Path]]()


def session_server(config: pytest.Config, folder: Path) -> tuple[Server, Path]:
    """The session's server and its CA bundle, started once (`folder` holds the CA)."""
    if _SESSION_KEY not in config.stash:
        ca = trustme.CA()
        folder.mkdir(parents=True, exist_ok=True)
        bundle = folder / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        server = serve(FakeFoundry(), context)
        config.add_cleanup(server.stop)
        config.stash[_SESSION_KEY] = (server, bundle)
    return config.stash[_SESSION_KEY]


def attach(server: Server, fake: FakeFoundry) -> None:
    """Make `fake` the state the server answers from."""
    server.httpd.RequestHandlerClass.fake = fake  # type: ignore[attr-defined]


def workload_identity(
    monkeypatch: pytest.MonkeyPatch, server: Server, bundle: Path, fake: FakeFoundry, home: Path
) -> str:
    """A CI job's workload identity (federated token file, client, tenant, authority host on
    the fake) and trust in the test CA, nothing else of Azure's; returns the project endpoint."""
    for name in list(os.environ):
        if name.startswith(("AZURE_", "MSI_", "IDENTITY_")):
            monkeypatch.delenv(name)
    token_file = home / "federated-token"
    token_file.write_text(fake.federated_token)
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", server.url)
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(home / "no-azure-cli"))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))  # azure-core's requests transport
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # the OpenAI client's httpx
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("AZURE_TRACING_ENABLED", "false")
    monkeypatch.setenv("AZURE_SDK_TRACING_IMPLEMENTATION", "")
    return server.endpoint


def new_fake(name: str) -> FakeFoundry:
    return FakeFoundry(federated_token=f"eyJ.federated.{name}")
