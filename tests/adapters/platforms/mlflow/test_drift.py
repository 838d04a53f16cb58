"""Drift on MLflow through agentcd's entry point, against the real server: both ways a person
changes the prompt an alias serves are content drift, and a rollback is seen at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.adapters.platforms.conformance import AGENT
from tests.adapters.platforms.mlflow.world import HAND_EDIT, MlflowWorld, make_world
from tests.adapters.platforms.test_conformance import change, drift, promote, run


@pytest.fixture
def world(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> MlflowWorld:
    monkeypatch.setenv("AGENTCD_ACTOR", "ana")
    made = make_world(tmp_path / "repo", request, monkeypatch)
    monkeypatch.chdir(made.root)
    return made


def test_a_new_version_with_other_text_behind_the_alias_is_content_and_provenance_drift(
    cli: Any, world: MlflowWorld
) -> None:
    promote(cli, "dev")
    world.hand_edit("dev")  # registered by hand, tags copied, the alias moved to it
    found = drift(cli, "dev", code=2)[AGENT]
    assert found["state"] == "drifted" and found["kinds"] == ["provenance", "content"]
    assert [d["path"] for d in found["differences"]] == ["template"]
    assert found["live"]["version"] == "2"


def test_the_text_edited_in_place_is_content_drift_though_version_and_stamp_stay(
    cli: Any, world: MlflowWorld
) -> None:
    promote(cli, "dev")
    world.edit_in_place("dev")
    found = drift(cli, "dev", code=2)[AGENT]
    assert found["state"] == "drifted" and found["kinds"] == ["content"]
    (difference,) = found["differences"]
    assert (difference["path"], difference["live"]) == ("template", HAND_EDIT)
    assert found["live"]["version"] == "1"
    again = promote(cli, "dev")  # the edited version is not this release: a new one is made
    assert again["platform_versions"]["version"] == "2"
    assert drift(cli, "dev", code=0)[AGENT]["state"] == "in_sync"


def test_drift_right_after_a_rollback_sees_it(cli: Any, world: MlflowWorld) -> None:
    promote(cli, "dev")
    change(world)
    promote(cli, "dev")
    assert drift(cli, "dev", code=0)[AGENT]["live"]["version"] == "2"
    (rolled,) = run(cli, "rollback", "--env", "dev")["agents"]
    assert rolled["platform_versions"] == {"version": "1", "prompt": world.prompt, "alias": "dev"}
    found = drift(cli, "dev", code=0)[AGENT]
    assert (found["state"], found["live"]["version"]) == ("in_sync", "1")
    assert world.versions("dev") == ["1", "2"]
