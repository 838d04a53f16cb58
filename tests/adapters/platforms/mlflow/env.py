"""The session's MLflow server and gateway, and a test's own user and prompt names, shared by
this folder's fixtures and the conformance world (which sees no fixture of this folder).

One server a session, started on first use and stopped when pytest ends. Tests share it and
stay apart by name: each gets its own prefix for the prompts it makes (the target's `naming`),
its own gateway user (so revoking one test's access touches no other), and an administrator's
client straight to the server for what a person does behind agentcd's back.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.platforms.mlflow.server import QUIET, Gateway, Server, start_server

_SESSION_KEY = pytest.StashKey[tuple[Server, Gateway]]()
_numbers = itertools.count(1)


def session_server(config: pytest.Config, folder: Path) -> tuple[Server, Gateway]:
    """The session's server and the gateway in front of it, started once."""
    if _SESSION_KEY not in config.stash:
        server = start_server(folder)
        config.add_cleanup(server.stop)
        gateway = Gateway(server.url).start()
        config.add_cleanup(gateway.stop)
        config.stash[_SESSION_KEY] = (server, gateway)
    return config.stash[_SESSION_KEY]


@dataclass
class Seat:
    """One test's place on the shared server."""

    server: Server
    gateway: Gateway
    user: str
    prefix: str  # every prompt this test makes starts with it
    admin: Any  # an MlflowClient straight to the server, no gateway

    @property
    def naming(self) -> str:
        return f"{self.prefix}{{agent}}"

    def calls(self) -> list[str]:
        """The requests agentcd made through the gateway, as `METHOD /path`."""
        return self.gateway.calls(self.user)

    def deny(self) -> None:
        self.gateway.revoked.add(self.user)


def take_seat(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Seat:
    """A prefix and a gateway user of this test's own, logged in as the MLflow client reads
    credentials (MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD), nothing reported."""
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    server, gateway = session_server(request.config, factory.getbasetemp() / "mlflow-server")
    for name in list(os.environ):
        if name.startswith("MLFLOW_"):
            monkeypatch.delenv(name)
    for name, value in QUIET.items():
        monkeypatch.setenv(name, value)
    number = next(_numbers)
    user = f"agentcd-{number}"
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", user)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", gateway.add_user(user))
    from mlflow import MlflowClient

    admin = MlflowClient(tracking_uri=server.url, registry_uri=server.url)
    return Seat(server, gateway, user, f"t{number}.", admin)
