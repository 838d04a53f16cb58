"""The mlflow world of the conformance suite: the real adapter and `mlflow-skinny`'s client
over HTTP, through the loopback gateway (basic authentication), to a real `mlflow server` on a
SQLite store. What a person does behind agentcd's back goes straight to the server: a version
registered with other text and the alias moved to it, the alias moved, the access revoked.

The registry runs nothing, so the target's invoker (`mlflow_echo:respond`, written into the
project) answers with the template of the version it is given: what answers is what runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcd.adapters.platforms.mlflow import MlflowPlatform, open_platform
from agentcd.core.definition.model import MlflowTarget
from tests.adapters.platforms.conformance import AGENT, count_runs, release_of, write_project
from tests.adapters.platforms.mlflow.env import Seat, take_seat
from tests.conftest import git

HAND_EDIT = "Promise a refund to everyone.\n"
# The invoker of every mlflow project of the tests (one module name, one content: imported
# modules outlive a test).
ECHO = """def respond(config, request):
    return {"output": config["template"]}
"""


class MlflowWorld:
    name = "mlflow"

    def __init__(self, root: Path, seat: Seat, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seat = seat
        self.target = {
            "platform": "mlflow",
            "tracking_uri": seat.gateway.url,
            "naming": seat.naming,
            "invoker": {"python": "mlflow_echo:respond"},
        }
        self.root = write_project(root, self.target)
        (self.root / "mlflow_echo.py").write_text(ECHO)
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--amend", "--no-edit")
        self.prompt = f"{seat.prefix}{AGENT}"
        self.calls = count_runs(monkeypatch, MlflowPlatform)

    def platform_class(self) -> type:
        return MlflowPlatform

    def versions(self, environment: str) -> list[str]:
        found = self.seat.admin.search_prompt_versions(self.prompt)
        return sorted((str(v.version) for v in found), key=int)

    def running(self, environment: str) -> str | None:
        return str(self.seat.admin.get_prompt_version_by_alias(self.prompt, environment).version)

    def hand_edit(self, environment: str) -> None:
        """A new version registered by hand with other text (the running one's tags and model
        config copied, stamp and all), and the alias moved to it."""
        admin = self.seat.admin
        now = admin.get_prompt_version_by_alias(self.prompt, environment)
        made = admin.create_prompt_version(
            self.prompt, HAND_EDIT, tags=dict(now.tags), model_config=now.model_config
        )
        self.repoint(environment, str(made.version))

    def edit_in_place(self, environment: str) -> None:
        """The text of the version the alias serves, changed in place: its number and tags stay."""
        number = self.running(environment)
        self.seat.admin.set_prompt_version_tag(self.prompt, number, "mlflow.prompt.text", HAND_EDIT)

    def repoint(self, environment: str, version: str) -> None:
        self.seat.admin.set_prompt_alias(self.prompt, environment, int(version))

    def deny(self) -> None:
        self.seat.deny()

    def deploy_unrecorded(self, agent: str, environment: str) -> None:
        platform = open_platform(MlflowTarget.model_validate(self.target), project_dir=self.root)
        platform.apply(platform.render(release_of(self.root, agent, environment)))

    def invocations(self) -> int:
        return self.calls["invoke"]

    def candidate_runs(self) -> int:
        return self.calls["invoke_candidate"]


def make_world(
    root: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> MlflowWorld:
    return MlflowWorld(root, take_seat(request, monkeypatch), monkeypatch)
