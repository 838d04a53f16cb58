"""The mlflow render, pure: the prompt version a release becomes, every refusal, and a version
read back in the same shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.platforms import mlflow_render
from agentcd.adapters.platforms.mlflow import open_platform
from agentcd.adapters.platforms.mlflow_render import normalize_version, version_tags
from agentcd.adapters.platforms.protocol import Unexpressible
from agentcd.core.definition.model import MlflowTarget
from tests.adapters.platforms.mlflow.conftest import make_mlflow_release
from tests.conftest import ROOT

TARGET = MlflowTarget(platform="mlflow", tracking_uri="http://127.0.0.1:1", naming="team.{agent}")


def render(target: MlflowTarget = TARGET, environment: str = "dev", **changes: Any) -> Any:
    platform = open_platform(target, project_dir=Path("."))
    return platform.render(make_mlflow_release(environment, **changes)).config


def refusals(target: MlflowTarget = TARGET, environment: str = "dev", **changes: Any) -> list:
    with pytest.raises(Unexpressible) as caught:
        render(target, environment, **changes)
    return [(e.field, e.in_project) for e in (caught.value, *caught.value.also)]


def test_a_release_is_one_text_prompt_version_with_the_model_in_its_model_config() -> None:
    assert render() == {
        "name": "team.triage",
        "template": "Read the ticket {{ ticket }}, then name the queue it belongs in.\n",
        "model_config": {
            "provider": "openai",
            "model_name": "gpt-4.1-2025-04-14",
            "temperature": 0.2,
            "max_tokens": 800,
            "max_output_tokens": 800,  # not PromptModelConfig's: an extra param, kept as is
        },
        "tags": {"agentcd.description": "Routes support tickets", "agentcd.owners": '["ops"]'},
    }


def test_the_model_override_for_mlflow_names_the_model() -> None:
    model = {"provider": "openai", "id": "gpt-4.1", "overrides": {"mlflow": "gpt-4.1-mini"}}
    assert render(model=model)["model_config"] == {
        "provider": "openai",
        "model_name": "gpt-4.1-mini",
    }


def test_labels_are_carried_as_a_tag_and_nothing_unset_is_written() -> None:
    metadata = {"name": "triage", "labels": {"tier": "gold", "area": "eu"}}
    assert render(metadata=metadata)["tags"] == {"agentcd.labels": '{"area": "eu", "tier": "gold"}'}


def test_every_field_a_prompt_version_cannot_hold_is_refused_at_once() -> None:
    found = refusals(
        tools=[{"name": "route", "type": "function"}, {"name": "crm", "type": "mcp"}],
        knowledge=[{"name": "policies", "type": "vector_store"}],
        guardrails=[{"name": "pii", "type": "policy"}],
        skills=[{"path": "skills/refunds", "name": "refunds"}],
        subagents=[{"ref": "refund-bot"}],
        runtime={"framework": "openai-agents", "version": "==0.4.2"},
    )
    assert found == [
        ("tools[crm]", False),
        ("tools[route]", False),
        ("knowledge[policies]", False),
        ("guardrails[pii]", False),
        ("skills", False),
        ("subagents", False),
        ("runtime", False),
    ]


def test_a_refusal_names_the_field_and_the_platform() -> None:
    with pytest.raises(Unexpressible) as caught:
        render(knowledge=[{"name": "policies", "type": "vector_store"}])
    assert caught.value.platform == "mlflow"
    assert str(caught.value).startswith(
        "rendering triage for MLflow (dev): knowledge[policies]: a prompt version holds no "
        "knowledge source"
    )


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"temperature": -0.1}, "model.parameters.temperature"),
        ({"temperature": "0.2"}, "model.parameters.temperature"),
        ({"temperature": True}, "model.parameters.temperature"),
        ({"top_p": 1.5}, "model.parameters.top_p"),
        ({"max_tokens": 0}, "model.parameters.max_tokens"),
        ({"max_tokens": 12.5}, "model.parameters.max_tokens"),
        ({"top_k": None}, "model.parameters.top_k"),
        ({"frequency_penalty": "high"}, "model.parameters.frequency_penalty"),
        ({"stop_sequences": "END"}, "model.parameters.stop_sequences"),
        ({"stop_sequences": ["END", 3]}, "model.parameters.stop_sequences"),
        ({"model_name": "other"}, "model.parameters.model_name"),
        ({"provider": "other"}, "model.parameters.provider"),
    ],
)
def test_a_parameter_mlflow_would_reject_or_rewrite_is_refused(
    parameters: dict[str, Any], field: str
) -> None:
    model = {"provider": "openai", "id": "gpt-4.1", "parameters": parameters}
    assert refusals(model=model) == [(field, False)]


def test_parameters_mlflow_checks_pass_within_its_bounds() -> None:
    parameters = {
        "temperature": 0,
        "top_p": 1,
        "top_k": 40,
        "presence_penalty": -1.5,
        "stop_sequences": ["END"],
        "seed": 7,
    }
    model = {"provider": "openai", "id": "gpt-4.1", "parameters": parameters}
    assert render(model=model)["model_config"] == {
        "provider": "openai",
        "model_name": "gpt-4.1",
        **parameters,
    }


def test_instructions_longer_than_a_prompt_text_are_refused() -> None:
    assert refusals(instructions="x" * 100_001) == [("instructions", False)]


@pytest.mark.parametrize("environment", ["latest", "v2"])
def test_an_environment_whose_alias_mlflow_reserves_is_refused_in_the_project(
    environment: str,
) -> None:
    with pytest.raises(Unexpressible) as caught:
        render(environment=environment)
    assert (caught.value.field, caught.value.in_project) == ("aliases", True)
    assert "which MLflow reserves" in str(caught.value)
    assert f"aliases: {{{environment}: <alias>}}" in str(caught.value)


def test_the_aliases_setting_maps_such_an_environment_to_an_alias_of_its_own() -> None:
    target = TARGET.model_copy(update={"aliases": {"latest": "newest"}})
    assert render(target, "latest")["name"] == "team.triage"
    bad = TARGET.model_copy(update={"aliases": {"dev": "dev.eu"}})
    assert refusals(bad) == [("aliases", True)]


def test_a_prompt_name_or_tracking_uri_mlflow_cannot_take_is_refused_in_the_project() -> None:
    target = TARGET.model_copy(update={"naming": "{agent}/{environment}"})
    assert refusals(target) == [("naming", True)]
    local = TARGET.model_copy(update={"tracking_uri": "sqlite:///mlflow.db"})
    assert refusals(local) == [("tracking_uri", True)]


# ---------------------------------------------------------------- read back


def tags_of(config: dict[str, Any], **more: str) -> dict[str, str]:
    """A version's tags as MLflow keeps them, for `config` as registered."""
    return {
        "mlflow.prompt.is_prompt": "true",
        "mlflow.prompt.text": config["template"],
        "_mlflow_prompt_type": "text",
        "_mlflow_prompt_model_config": json.dumps(config["model_config"]),
        **config["tags"],
        **more,
    }


def test_a_version_reads_back_as_rendered_whatever_mlflow_made_of_its_numbers() -> None:
    config = render()
    written = {**config["model_config"], "temperature": 0.2, "max_tokens": 800.0}
    tags = tags_of({**config, "model_config": written}, other="a person's tag")
    assert normalize_version("team.triage", tags) == config


def test_what_a_person_changes_on_a_version_reads_back_as_a_difference() -> None:
    config = render()
    tags = tags_of(config)
    assert normalize_version("team.triage", {**tags, "mlflow.prompt.text": "Hi"}) != config
    chat = {"_mlflow_prompt_type": "chat", "mlflow.prompt.text": '[{"role": "system"}]'}
    assert normalize_version("team.triage", {**tags, **chat})["template"] == [{"role": "system"}]
    broken = normalize_version("team.triage", {**tags, "_mlflow_prompt_model_config": "{"})
    assert broken["model_config"] == "{"
    shaped = {**tags, "_mlflow_prompt_response_format": '{"type": "object"}'}
    assert normalize_version("team.triage", shaped)["response_format"] == {"type": "object"}
    without = {k: v for k, v in tags.items() if k != "agentcd.owners"}
    assert normalize_version("team.triage", without)["tags"] == {
        "agentcd.description": "Routes support tickets"
    }


def test_the_stamp_is_the_deployment_digest_and_the_whole_config_digest() -> None:
    release = make_mlflow_release()
    config = render()
    tags = version_tags(release, config)
    assert tags["agentcd.agent"] == "triage"
    assert tags["agentcd.deployment"] == release.deployment_digest
    assert tags["agentcd.config"].startswith("sha256:") and len(tags["agentcd.config"]) == 71
    assert mlflow_render.read_stamp(tags) == (tags["agentcd.deployment"], tags["agentcd.config"])
    assert mlflow_render.read_stamp(config["tags"]) is None


def test_the_tag_names_are_mlflows_own() -> None:
    from mlflow.prompt import constants

    assert mlflow_render.IS_PROMPT == constants.IS_PROMPT_TAG_KEY
    assert mlflow_render.TEXT == constants.PROMPT_TEXT_TAG_KEY
    assert mlflow_render.TYPE == constants.PROMPT_TYPE_TAG_KEY
    assert mlflow_render.MODEL_CONFIG == constants.PROMPT_MODEL_CONFIG_TAG_KEY
    assert mlflow_render.RESPONSE_FORMAT == constants.RESPONSE_FORMAT_TAG_KEY
    assert mlflow_render.PROMPT_NAME.pattern == constants.PROMPT_NAME_RULE.pattern


def test_the_parameter_checks_are_mlflows_own() -> None:
    """Every value render lets through, PromptModelConfig takes (and so the server)."""
    from mlflow.entities.model_registry import PromptModelConfig

    parameters = {"temperature": 0, "top_p": 1, "top_k": 40, "max_tokens": 8, "seed": 7}
    model = {"provider": "openai", "id": "gpt-4.1", "parameters": parameters}
    config = render(model=model)["model_config"]
    assert PromptModelConfig.from_dict(config).to_dict() == config


def test_validate_renders_without_the_sdk() -> None:
    """`agentcd validate` renders every target: the module imports and renders without
    mlflow-skinny installed, and says what to install once the server is asked."""
    script = f"""
import sys
sys.modules["mlflow"] = None
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from agentcd.adapters.platforms.mlflow import open_platform
from agentcd.core.definition.model import MlflowTarget
from agentcd.errors import ConfigError
from tests.adapters.platforms.mlflow.conftest import make_mlflow_release
from tests.conftest import ROOT
target = MlflowTarget(platform="mlflow", tracking_uri="http://127.0.0.1:9")
platform = open_platform(target, project_dir=Path("."))
rendered = platform.render(make_mlflow_release())
try:
    platform.apply(rendered)
except ConfigError as e:
    print(rendered.config["name"], e)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (
        0,
        "triage the mlflow platform needs mlflow-skinny: pip install 'agentcd[mlflow]'",
    ), done.stderr
