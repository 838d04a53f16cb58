"""Check HTTP traffic against GitHub's official REST description (the committed subset).

Every request a GitHub test sends must match an operation of `github-subset.json` by method
and path template, use only the path and query parameters that operation declares (with
values of the declared types), and carry a JSON body valid against its request schema. The
fake's 2xx answers are checked against the operation's response schema too, so test
payloads cannot drift from GitHub's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SUBSET_PATH = Path(__file__).resolve().parent / "github-subset.json"
_BASE = "urn:github-rest"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: Mapping[str, Any]


@cache
def subset() -> dict[str, Any]:
    return json.loads(SUBSET_PATH.read_text("utf-8"))


@cache
def _registry() -> Registry:
    root = Resource.from_contents(_json_schema(subset()), default_specification=DRAFT202012)
    return Registry().with_resource(_BASE, root)


@cache
def operations() -> tuple[Operation, ...]:
    found = []
    for template, methods in subset()["paths"].items():
        regex = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template))
        for method, spec in methods.items():
            found.append(Operation(method.upper(), template, re.compile(f"^{regex}$"), spec))
    return tuple(found)


def resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """A `$ref` to a component, followed (one level)."""
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    _, _, kind, name = ref.split("/", 3)
    resolved: Mapping[str, Any] = subset()["components"][kind][name]
    return resolved


def example(name: str) -> Any:
    """An official example payload from the description, by component name."""
    return json.loads(json.dumps(subset()["components"]["examples"][name]["value"]))


def find(method: str, path: str) -> tuple[Operation, tuple[str, ...]] | None:
    for op in operations():
        match = op.pattern.match(path)
        if op.method == method and match:
            return op, tuple(unquote(v) for v in match.groups())
    return None


def check_exchange(
    method: str, url: str, body: bytes | str | None, status: int, answer: str, *, api_url: str
) -> list[str]:
    """Every way one request (and its 2xx answer) disagrees with the description."""
    parts = urlsplit(url)
    base_path = urlsplit(api_url).path.rstrip("/")
    if not parts.path.startswith(base_path):
        return [f"{method} {url}: not under the API base {api_url}"]
    path = parts.path[len(base_path) :] or "/"
    found = find(method, path)
    if found is None:
        return [f"{method} {path}: no such operation in GitHub's REST description"]
    op, values = found
    where = f"{method} {op.template}"
    problems = _check_path(where, op, values)
    problems += _check_query(where, op, parse_qsl(parts.query, keep_blank_values=True))
    problems += _check_body(where, op, body)
    if 200 <= status < 300:
        problems += _check_answer(where, op, status, answer)
    return problems


def _parameters(op: Operation, where: str) -> dict[str, Mapping[str, Any]]:
    params = (resolve(p) for p in op.spec.get("parameters", []))
    return {p["name"]: p for p in params if p["in"] == where}


def _check_path(where: str, op: Operation, values: Iterable[str]) -> list[str]:
    names = re.findall(r"\{([^}]+)\}", op.template)
    declared = _parameters(op, "path")
    problems = []
    for name, value in zip(names, values, strict=True):
        if name not in declared:
            problems.append(f"{where}: path parameter {name} not declared")
        elif not _fits(declared[name].get("schema", {}), value):
            problems.append(f"{where}: path parameter {name}={value!r} is not a valid value")
    return problems


def _check_query(where: str, op: Operation, pairs: Iterable[tuple[str, str]]) -> list[str]:
    declared = _parameters(op, "query")
    problems = []
    for name, value in pairs:
        if name not in declared:
            problems.append(f"{where}: unknown query parameter {name!r}")
        elif not _fits(declared[name].get("schema", {}), value):
            problems.append(f"{where}: query parameter {name}={value!r} is not a valid value")
    return problems


def _check_body(where: str, op: Operation, body: bytes | str | None) -> list[str]:
    request_body = op.spec.get("requestBody")
    if not body:
        required = bool(request_body and request_body.get("required"))
        return [f"{where}: request body required"] if required else []
    if request_body is None:
        return [f"{where}: sends a body the operation does not take"]
    pointer = _pointer("paths", op.template, op.method.lower(), "requestBody")
    return _validate(where, "request body", json.loads(body), pointer)


def _check_answer(where: str, op: Operation, status: int, answer: str) -> list[str]:
    response = op.spec["responses"].get(str(status))
    if response is None:
        return [f"{where}: the fake answered {status}, which GitHub does not document"]
    if "content" not in resolve(response) or not answer:
        return []
    pointer = _pointer("paths", op.template, op.method.lower(), "responses", str(status))
    return _validate(where, f"{status} answer", json.loads(answer), pointer)


def _validate(where: str, what: str, instance: Any, pointer: str) -> list[str]:
    schema = {"$ref": f"{_BASE}#{pointer}/content/application~1json/schema"}
    if "$ref" in _at(pointer):
        # a component response or request body: follow it, then into its content
        ref = _at(pointer)["$ref"]
        schema = {"$ref": f"{_BASE}{ref}/content/application~1json/schema"}
    validator = Draft202012Validator(schema, registry=_registry())
    return [
        f"{where}: {what}: {e.message} at {e.json_path}" for e in validator.iter_errors(instance)
    ]


def _at(pointer: str) -> Mapping[str, Any]:
    node: Any = subset()
    for token in pointer.strip("/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node  # type: ignore[no-any-return]


def _pointer(*tokens: str) -> str:
    return "/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _fits(schema: Mapping[str, Any], text: str) -> bool:
    kind = schema.get("type", "string")
    if "enum" in schema and text not in schema["enum"]:
        return False
    if kind == "integer":
        return text.isdigit()
    if kind == "boolean":
        return text in ("true", "false")
    return True


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema dialect to JSON Schema: `nullable: true` becomes a null type."""
    if isinstance(node, list):
        return [_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is not True:
        return out
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        return out
    return {"anyOf": [out, {"type": "null"}]}
