"""`agentcd schema`: the JSON Schemas (draft 2020-12) of agent, project and eval suite files.

Generated from the same models that validate the files, so editors and the loader agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel

from agentcd.commands._common import write_output
from agentcd.core.definition.model import Agent, Project
from agentcd.core.evals.suite import EvalSuite
from agentcd.exit_codes import ExitCode

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://agentcd.dev/schemas/v1/"

# kind -> (model, title, description)
KINDS: dict[str, tuple[type[BaseModel], str, str]] = {
    "agent": (
        Agent,
        "agentcd Agent",
        "One agent's definition (agents/<name>/agent.yaml): instructions, skills, model and "
        "runtime pins, tools, knowledge, sub-agents, guardrails and eval suites.",
    ),
    "project": (
        Project,
        "agentcd Project",
        "The project file (agentcd.yaml): agent globs, environments in promotion order with "
        "their gates and bindings, targets, ledger and eval settings.",
    ),
    "evalsuite": (
        EvalSuite,
        "agentcd EvalSuite",
        "An eval suite: cases with inputs, tool fixtures and assertions.",
    ),
}

# Shorthands the models accept before validation, which pydantic cannot see: definition name ->
# the extra form, offered beside the object form.
_SHORTHANDS: dict[str, dict[str, Any]] = {
    "Instructions": {"type": "string", "description": "inline Markdown, same as {text: ...}"},
}


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one file kind, with `$schema`, `$id`, title and description first."""
    model, title, description = KINDS[kind]
    body = model.model_json_schema(by_alias=True, mode="validation")
    for name, extra in _SHORTHANDS.items():
        if name in body.get("$defs", {}):
            definition = body["$defs"][name]
            body["$defs"][name] = {
                "title": definition.pop("title", name),
                "description": definition.pop("description", ""),
                "anyOf": [extra, definition],
            }
    body.pop("title", None)
    body.pop("description", None)
    head = {"$schema": DIALECT, "$id": f"{BASE_ID}{kind}.schema.json", "title": title}
    return {**head, "description": description, **body}


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


@click.command("schema")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write <kind>.schema.json files into this folder instead of printing.",
)
def command(out: Path | None) -> int:
    """Write the JSON Schemas of agent, project and eval suite files."""
    if out is None:
        combined = {kind: json_schema(kind) for kind in KINDS}
        write_output(json.dumps(combined, indent=2, ensure_ascii=False) + "\n", None)
        return ExitCode.OK
    out.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        target = out / f"{kind}.schema.json"
        target.write_text(schema_text(kind), encoding="utf-8")
        click.echo(str(target))
    return ExitCode.OK
