"""The canonical artifact and its bytes: the one written rule for what a digest covers. No I/O.

Canonical form, version 1 (`CANONICAL_VERSION`, itself inside the hashed bytes):

1. Content. The validated definition, parsed to plain data (YAML comments, key order,
   quoting, flow or block style and anchors are gone), with every referenced file inlined:
   instructions become text; a tool's `spec` file becomes its text; each skill becomes
   `{name, files: {relative path: text}}` with every file in its folder. Paths of
   instructions, specs and skill folders are not kept: moving a file changes nothing an agent
   does. Eval suites are not part of the artifact (changing a test must not make a new
   deployable); they carry digests of their own.
2. Text. UTF-8 only; a BOM is removed; CRLF and CR become LF in every file before parsing;
   trailing newlines collapse to exactly one in instructions (inline or a file), spec files
   and skill files, so `|` vs `|-` and an editor's final newline do not matter. Nothing else
   in text is touched (Markdown whitespace can be meaningful). Binary skill files (a NUL byte)
   are kept as `{"base64": ...}`.
3. Values. Schema fields left unset (null) are dropped; defaults are written out; a null
   inside free-form data (a JSON Schema, guardrail config) is kept. Numbers are integers where
   they are integral (`1.0` is `1`); NaN and infinities are refused.
4. Lists. Name-keyed collections are sets and sorted by key: `tools`, `knowledge`,
   `guardrails`, `skills` (by name), `subagents` (by ref); so are `metadata.owners` and a
   tool's `allowed_tools`, duplicates removed. Every other list (parameters such as stop
   sequences, anything inside a JSON Schema or free-form config) is ordered and kept as written.
5. Bytes. JSON with keys sorted, separators `,` and `:`, no ASCII escaping, UTF-8 encoded.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from agentcd.core.definition.model import Agent

CANONICAL_VERSION = 1

# Name-keyed collections (sets): their sort key. Every other list keeps its order.
SET_KEYS = {"tools": "name", "knowledge": "name", "guardrails": "name", "skills": "name"}


def normalize_text(text: str) -> str:
    """Line endings to LF, BOM dropped, trailing newlines collapsed to exactly one."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n") and not text.endswith("\n\n") and text != "\n":
        return text  # already normal: spare copying it twice
    text = text.rstrip("\n")
    return text + "\n" if text else ""


def build_artifact(
    agent: Agent,
    *,
    instructions: str,
    specs: Mapping[str, str],
    skills: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """The canonical artifact of a validated agent, given its referenced files' contents.

    `specs` maps a tool name to its spec file's text; `skills` maps a skill name to its files.
    """
    data = agent.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("evals", None)
    data["canonical_version"] = CANONICAL_VERSION
    data["instructions"] = normalize_text(instructions)
    data["skills"] = [{"name": name, "files": dict(files)} for name, files in skills.items()]
    for tool in data["tools"]:
        if tool["name"] in specs:
            tool["spec"] = normalize_text(specs[tool["name"]])
    return canonicalize(data)


def canonicalize(data: dict[str, Any]) -> dict[str, Any]:
    """Apply the list and number rules to an artifact-shaped mapping (idempotent)."""
    out: dict[str, Any] = normalize_numbers(data)
    for key, sort_key in SET_KEYS.items():
        if key in out:
            out[key] = sorted(out[key], key=lambda item, k=sort_key: item[k])  # type: ignore[misc]
    out["subagents"] = sorted(out.get("subagents", []), key=lambda s: s["ref"])
    meta = out.get("metadata", {})
    if "owners" in meta:
        meta["owners"] = sorted(set(meta["owners"]))
    for tool in out.get("tools", []):
        if "allowed_tools" in tool:
            tool["allowed_tools"] = sorted(set(tool["allowed_tools"]))
    return out


def normalize_numbers(value: Any) -> Any:
    """JSON-shaped `value` with integral floats as integers; NaN and infinities refused."""
    # Strings, the most common values, are returned as they are without a call.
    if isinstance(value, dict):
        return {k: v if isinstance(v, str) else normalize_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [v if isinstance(v, str) else normalize_numbers(v) for v in value]
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return int(value) if value.is_integer() else value
    return value


def canonical_bytes(data: Any) -> bytes:
    """The bytes a digest covers: sorted keys, fixed separators, UTF-8."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def binding_names(artifact: Mapping[str, Any]) -> tuple[str, ...]:
    """The symbolic bindings an artifact declares, sorted (tools, knowledge, guardrails)."""
    names = {
        item["binding"]
        for key in ("tools", "knowledge", "guardrails")
        for item in artifact.get(key, [])
        if "binding" in item
    }
    return tuple(sorted(names))
