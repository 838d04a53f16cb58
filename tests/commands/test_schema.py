"""`agentcd schema`: the committed schemas are current, valid, and accept every example file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from agentcd.core.definition.parse import parse_yaml
from tests.conftest import EXAMPLE, ROOT

KINDS = {"Agent": "agent", "Project": "project", "EvalSuite": "evalsuite"}
_SCHEMA_COMMENT = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.MULTILINE)


def example_files() -> list[Path]:
    """Every example YAML file of an agentcd kind (tool specs are OpenAPI, not ours)."""
    files = sorted(EXAMPLE.rglob("*.yaml"))
    return [
        f for f in files if re.search(r"^kind: (Agent|Project|EvalSuite)$", f.read_text(), re.M)
    ]


def test_committed_schemas_are_what_the_command_writes(cli, tmp_path: Path) -> None:
    result = cli("schema", "--out", str(tmp_path))
    assert result.code == 0, result
    for kind in KINDS.values():
        generated = (tmp_path / f"{kind}.schema.json").read_text(encoding="utf-8")
        committed = (ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
        assert committed == generated, (
            f"schemas/{kind}.schema.json is stale: run agentcd schema --out schemas"
        )


def test_stdout_holds_all_three_keyed_by_kind(cli) -> None:
    result = cli("schema")
    assert result.code == 0, result
    combined = json.loads(result.out)
    assert sorted(combined) == sorted(KINDS.values())
    for kind, schema in combined.items():
        assert schema == json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text())


@pytest.mark.parametrize("kind", KINDS.values())
def test_schema_is_draft_2020_12_with_id_and_title(kind: str) -> None:
    schema = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{kind}.schema.json")
    assert schema["title"] and schema["description"]
    assert schema["additionalProperties"] is False


def test_every_example_file_is_covered() -> None:
    names = {f.relative_to(EXAMPLE).as_posix() for f in example_files()}
    assert "agentcd.yaml" in names
    assert {"agents/faq-bot/agent.yaml", "agents/faq-bot/evals/faq.yaml"} <= names


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.relative_to(EXAMPLE).as_posix())
def test_example_points_at_its_schema_and_validates(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data = parse_yaml(text, path=str(path))
    comment = _SCHEMA_COMMENT.search(text)
    assert comment, f"{path.name} has no yaml-language-server schema comment"
    schema_path = (path.parent / comment.group(1)).resolve()
    assert schema_path == ROOT / "schemas" / f"{KINDS[data['kind']]}.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    assert errors == []


@pytest.mark.parametrize(
    ("kind", "data", "complaint"),
    [
        ("agent", {"kind": "Agent", "surprise": 1}, "'surprise' was unexpected"),
        ("project", {"apiVersion": "agentcd.dev/v1", "kind": "Project"}, "'environments'"),
        ("evalsuite", {"kind": "EvalSuite", "cases": []}, "should be non-empty"),
    ],
)
def test_schemas_reject_what_the_loader_rejects(
    kind: str, data: dict[str, object], complaint: str
) -> None:
    schema = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text())
    messages = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    assert any(complaint in m for m in messages), messages


@pytest.mark.parametrize("instructions", ["Be brief.", {"text": "Be brief."}, {"file": "a.md"}])
def test_instructions_accept_the_string_shorthand(instructions: object) -> None:
    schema = json.loads((ROOT / "schemas" / "agent.schema.json").read_text())
    agent = {
        "apiVersion": "agentcd.dev/v1",
        "kind": "Agent",
        "metadata": {"name": "a"},
        "instructions": instructions,
        "model": {"provider": "openai", "id": "gpt-4.1-2025-04-14"},
    }
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(agent)) == []
