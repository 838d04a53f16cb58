"""The mlflow adapter against a real `mlflow server` (SQLite store) through the basic-auth
gateway: what apply registers and which calls it makes, the digest lookup, rollback by alias,
what read_live reads, refusals of access, live_agents and the invoker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import distribution
from typing import Any

import pytest
import requests
from mlflow import MlflowClient

from agentcd.adapters.platforms.mlflow import MlflowPlatform, open_platform
from agentcd.adapters.platforms.protocol import PlatformError
from agentcd.core.definition.model import MlflowTarget
from agentcd.core.deploy.drift import Presence, config_digest
from tests.adapters.platforms.mlflow.conftest import make_mlflow_release
from tests.adapters.platforms.mlflow.env import Seat
from tests.adapters.platforms.mlflow.server import free_port
from tests.conftest import ROOT

QUESTION = {"messages": [{"role": "user", "content": "My parcel is late"}]}
SEARCH_PROMPTS = "GET /api/2.0/mlflow/registered-models/search"
SEARCH_VERSIONS = "GET /api/2.0/mlflow/model-versions/search"
SET_ALIAS = [
    "GET /api/2.0/mlflow/registered-models/get",  # set_prompt_alias checks the version exists
    "GET /api/2.0/mlflow/model-versions/get",
    "POST /api/2.0/mlflow/registered-models/alias",
]


def deploy(platform: MlflowPlatform, environment: str = "dev", **changes: Any) -> Any:
    rendered = platform.render(make_mlflow_release(environment, **changes))
    return rendered, platform.apply(rendered)


def test_the_first_apply_registers_one_version_as_rendered_and_points_the_alias(
    platform: MlflowPlatform, seat: Seat
) -> None:
    rendered, made = deploy(platform)
    name = f"{seat.prefix}triage"
    assert made == {"version": "1", "prompt": name, "alias": "dev"}
    assert seat.calls() == [
        SEARCH_PROMPTS,
        "POST /api/2.0/mlflow/registered-models/create",
        "POST /api/2.0/mlflow/model-versions/create",
        "GET /api/2.0/mlflow/registered-models/get",  # the client reads the prompt's tags
        SEARCH_VERSIONS,  # read back whole
        *SET_ALIAS,
    ]
    version = seat.admin.get_prompt_version_by_alias(name, "dev")
    assert version.template == rendered.config["template"]
    assert version.model_config == {
        "provider": "openai",
        "model_name": "gpt-4.1-2025-04-14",
        "temperature": 0.2,
        "max_tokens": 800,
        "max_output_tokens": 800,
    }
    release = rendered.release
    assert version.tags == {
        "agentcd.description": "Routes support tickets",
        "agentcd.owners": '["ops"]',
        "agentcd.agent": "triage",
        "agentcd.deployment": release.deployment_digest,
        "agentcd.config": config_digest(rendered.config),
    }
    assert version.commit_message == (
        f"agentcd: triage {release.deployment_digest[7:19]} from commit 0123456789ab"
    )
    assert seat.admin.get_prompt(name).tags == {"agentcd.agent": "triage"}


def test_applying_again_finds_the_version_and_registers_nothing(
    platform: MlflowPlatform, seat: Seat
) -> None:
    deploy(platform)
    before = len(seat.calls())
    _, again = deploy(platform)
    assert again["version"] == "1"
    assert seat.calls()[before:] == [SEARCH_PROMPTS, SEARCH_VERSIONS]  # the alias is on it
    assert [v.version for v in seat.admin.search_prompt_versions(f"{seat.prefix}triage")] == [1]


def test_another_environment_of_the_same_prompt_gets_the_same_version_by_its_alias(
    platform: MlflowPlatform, seat: Seat
) -> None:
    """The bindings are the same (a prompt has none), so is the deployment digest: prod's
    alias points at the version dev runs, none is registered."""
    deploy(platform, "dev")
    _, prod = deploy(platform, "prod")
    assert prod == {"version": "1", "prompt": f"{seat.prefix}triage", "alias": "prod"}
    assert seat.admin.get_prompt_version_by_alias(f"{seat.prefix}triage", "prod").version == 1


def test_mlflow_registers_identical_content_again_so_the_digest_is_looked_up_first(
    platform: MlflowPlatform, seat: Seat
) -> None:
    rendered, _ = deploy(platform)
    name = rendered.config["name"]
    twice = seat.admin.register_prompt(name, rendered.config["template"])
    assert twice.version == 2  # MLflow's own behaviour: no dedup by content
    versions = seat.admin.search_model_versions(f"name = '{name}'")
    assert list(versions) == []  # a version search that does not ask for prompts finds none
    assert platform.find_version(rendered) == "1"


def test_rollback_points_the_alias_at_the_recorded_version_and_registers_nothing(
    platform: MlflowPlatform, seat: Seat
) -> None:
    old, _ = deploy(platform)
    deploy(platform, instructions="Name the queue, then thank the customer.\n")
    before = len(seat.calls())
    assert platform.find_version(old, hint="1") == "1"
    assert platform.point(old, "1") == {
        "version": "1",
        "prompt": old.config["name"],
        "alias": "dev",
    }
    assert seat.calls()[before:] == [SEARCH_VERSIONS, *SET_ALIAS]
    assert [v.version for v in seat.admin.search_prompt_versions(old.config["name"])] == [2, 1]
    live = platform.read_live("triage", "dev")  # at once: no client cache in between
    assert (live.version, live.config) == ("1", old.config)


def test_a_version_whose_text_was_edited_in_place_is_never_reused(
    platform: MlflowPlatform, seat: Seat
) -> None:
    """MLflow lets a version's text be changed in place, its number and tags (the stamp) kept:
    the stamp alone is no proof, so the lookup reads the text and registers a new version."""
    rendered, _ = deploy(platform)
    name = rendered.config["name"]
    seat.admin.set_prompt_version_tag(name, 1, "mlflow.prompt.text", "Promise a refund.\n")
    live = platform.read_live("triage", "dev")
    assert live.deployment_digest == rendered.release.deployment_digest  # stamp kept
    assert live.config is not None and live.config["template"] == "Promise a refund.\n"
    assert platform.find_version(rendered, hint="1") is None
    _, again = deploy(platform)
    assert again["version"] == "2"
    assert (
        seat.admin.get_prompt_version_by_alias(name, "dev").template
        == (rendered.config["template"])
    )


def test_a_hand_made_version_with_copied_tags_is_never_used(
    platform: MlflowPlatform, seat: Seat
) -> None:
    rendered, _ = deploy(platform)
    name = rendered.config["name"]
    first = seat.admin.get_prompt_version(name, 1)
    seat.admin.create_prompt_version(
        name, "Promise a refund.\n", tags=dict(first.tags), model_config=first.model_config
    )
    seat.admin.delete_prompt_alias(name, "dev")
    assert platform.find_version(rendered) == "1"  # version 2, newer, is read and passed over


def test_a_prompt_agentcd_did_not_make_is_left_alone(platform: MlflowPlatform, seat: Seat) -> None:
    seat.admin.register_prompt(f"{seat.prefix}triage", "Someone else's prompt")
    with pytest.raises(PlatformError) as caught:
        deploy(platform)
    assert str(caught.value) == (
        f"deploying triage to dev: the MLflow prompt {seat.prefix}triage is not tagged "
        "agentcd.agent=triage: agentcd changes only prompts it made (add the tag to the "
        "prompt to hand it over)"
    )
    assert [v.version for v in seat.admin.search_prompt_versions(f"{seat.prefix}triage")] == [1]


# ---------------------------------------------------------------- read_live


def test_read_live_reads_the_version_the_alias_serves_in_two_calls(
    platform: MlflowPlatform, seat: Seat
) -> None:
    rendered, _ = deploy(platform)
    before = len(seat.calls())
    live = platform.read_live("triage", "dev")
    assert seat.calls()[before:] == [SEARCH_PROMPTS, SEARCH_VERSIONS]
    assert live.presence is Presence.PRESENT
    assert (live.version, live.deployment_digest) == ("1", rendered.release.deployment_digest)
    assert live.config == rendered.config


def test_no_prompt_or_no_alias_is_absent(platform: MlflowPlatform) -> None:
    missing = platform.read_live("triage", "dev")
    assert missing.presence is Presence.ABSENT and "no MLflow prompt named" in missing.detail
    deploy(platform, "dev")
    no_alias = platform.read_live("triage", "prod")
    assert no_alias.presence is Presence.ABSENT and no_alias.detail.endswith("has no alias prod")


def test_read_live_sees_an_alias_moved_elsewhere_at_once_where_load_prompt_caches_it(
    platform: MlflowPlatform, seat: Seat
) -> None:
    """An application's `load_prompt("prompts:/name@alias")` keeps an alias for 60 s; the
    adapter reads the server every time, so drift right after a move sees it."""
    deploy(platform)
    deploy(platform, instructions="Name the queue, then thank the customer.\n")
    name = f"{seat.prefix}triage"
    app = MlflowClient(tracking_uri=seat.server.url)
    assert app.load_prompt(f"prompts:/{name}@dev").version == 2
    elsewhere = f"{seat.server.url}/api/2.0/mlflow/registered-models/alias"
    moved = requests.post(
        elsewhere, json={"name": name, "alias": "dev", "version": "1"}, timeout=10
    )
    assert moved.status_code == 200
    assert app.load_prompt(f"prompts:/{name}@dev").version == 2  # the application's cache
    assert app.load_prompt(f"prompts:/{name}@dev", cache_ttl_seconds=0).version == 1
    assert platform.read_live("triage", "dev").version == "1"


def test_a_revoked_user_or_no_credentials_is_unreadable_never_absent(
    platform: MlflowPlatform, seat: Seat, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(platform)
    seat.deny()
    denied = platform.read_live("triage", "dev")
    assert denied.presence is Presence.UNREADABLE
    assert denied.detail.startswith("triage in dev: listing prompts: PERMISSION_DENIED: ")
    assert "403" in denied.detail and "Permission denied" in denied.detail
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD")
    anonymous = platform.read_live("triage", "dev")
    assert anonymous.presence is Presence.UNREADABLE
    assert "UNAUTHENTICATED" in anonymous.detail and "401" in anonymous.detail


def test_a_refused_apply_names_the_agent_and_the_environment(
    platform: MlflowPlatform, seat: Seat
) -> None:
    seat.deny()
    with pytest.raises(PlatformError) as caught:
        deploy(platform, "prod")
    assert str(caught.value).startswith("deploying triage to prod: listing prompts: ")


def test_an_unreachable_server_is_unreadable(
    target: MlflowTarget, seat: Seat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client retries a refused connection with backoff (7 times by default, minutes);
    MLFLOW_HTTP_REQUEST_MAX_RETRIES is the user's knob."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    gone = target.model_copy(update={"tracking_uri": f"http://127.0.0.1:{free_port()}"})
    live = open_platform(gone, project_dir=seat.server.folder).read_live("triage", "dev")
    assert live.presence is Presence.UNREADABLE
    assert live.detail.startswith("triage in dev: listing prompts: INTERNAL_ERROR: ")


# ---------------------------------------------------------------- live_agents and invoke


def test_live_agents_lists_the_agents_whose_prompt_has_the_environments_alias(
    platform: MlflowPlatform, seat: Seat
) -> None:
    deploy(platform, "dev")
    deploy(platform, "dev", metadata={"name": "faq"})
    deploy(platform, "prod", metadata={"name": "faq"})
    seat.admin.register_prompt(f"{seat.prefix}notes", "not agentcd's")
    seat.admin.set_prompt_alias(f"{seat.prefix}notes", "dev", 1)
    assert platform.live_agents("dev") == ("faq", "triage")
    assert platform.live_agents("prod") == ("faq",)
    assert platform.live_agents("test") == ()


def test_invoke_runs_the_invoker_on_the_version_the_alias_serves(
    platform: MlflowPlatform,
) -> None:
    first, _ = deploy(platform)
    deploy(platform, instructions="Name the queue, then thank the customer.\n")
    platform.point(first, "1")
    reply = platform.invoke("triage", "dev", QUESTION)
    assert reply["config"] == first.config
    assert reply["asked"] == {"role": "user", "content": "My parcel is late"}


def test_invoke_candidate_runs_the_rendered_config_and_registers_nothing(
    platform: MlflowPlatform, seat: Seat
) -> None:
    rendered = platform.render(make_mlflow_release())
    reply = platform.invoke_candidate(rendered, QUESTION)
    assert reply["config"] == rendered.config
    assert seat.calls() == []


def test_without_an_invoker_invoke_says_what_to_configure(target: MlflowTarget, seat: Seat) -> None:
    bare = open_platform(
        target.model_copy(update={"invoker": None}), project_dir=seat.server.folder
    )
    deploy(bare)
    with pytest.raises(PlatformError) as caught:
        bare.invoke("triage", "dev", QUESTION)
    assert str(caught.value) == (
        "invoking triage in dev: the prompt registry runs nothing: the target needs an invoker "
        "(agentcd.yaml: targets.<name>.invoker: {python: 'module:function'})"
    )
    with pytest.raises(PlatformError, match=r"not deployed|has no alias"):
        bare.invoke("triage", "prod", QUESTION)


# What the full `mlflow` package requires beyond `mlflow-skinny` (its METADATA), as imported.
NOT_IN_SKINNY = (
    "flask",
    "flask_cors",
    "aiohttp",
    "alembic",
    "cryptography",
    "docker",
    "graphene",
    "gunicorn",
    "huey",
    "matplotlib",
    "numpy",
    "pandas",
    "pyarrow",
    "sklearn",
    "scipy",
    "skops",
    "sqlalchemy",
)


def test_the_adapter_uses_only_what_mlflow_skinny_installs(seat: Seat) -> None:
    """The `mlflow` extra is mlflow-skinny: a promote, a read and a listing work in a fresh
    process where the full package's extra requirements cannot be imported (as where only
    skinny is installed), and load no module of the full package that skinny lacks."""
    script = f"""
import json, sys
for name in {list(NOT_IN_SKINNY)!r}:
    sys.modules[name] = None  # as if not installed
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from agentcd.adapters.platforms.mlflow import open_platform
from agentcd.core.definition.model import MlflowTarget
from tests.adapters.platforms.mlflow.conftest import make_mlflow_release
uri, naming = {seat.server.url!r}, "skinny.{{agent}}"
target = MlflowTarget(platform="mlflow", tracking_uri=uri, naming=naming)
platform = open_platform(target, project_dir=Path("."))
platform.apply(platform.render(make_mlflow_release()))
assert platform.read_live("triage", "dev").version == "1"
assert platform.live_agents("dev") == ("triage",)
files = {{n: getattr(m, "__file__", None) for n, m in sys.modules.items() if m}}
print(json.dumps(files))
"""
    env = {**os.environ, "MLFLOW_TRACKING_USERNAME": "", "MLFLOW_TRACKING_PASSWORD": ""}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.splitlines()[-1])
    skinny = {
        str(f.locate()) for f in distribution("mlflow-skinny").files or [] if f.suffix == ".py"
    }
    used = {n: f for n, f in loaded.items() if n.split(".")[0] == "mlflow" and f}
    assert used and [n for n, f in used.items() if f not in skinny] == []
