"""Check HTTP traffic against a vendor's published OpenAPI 3.0 description (a committed subset).

A request must match an operation of the description by method and path template, use only
the path and query parameters that operation declares (with values of the declared types), and
carry a JSON body valid against its request schema. A fake's 2xx answers are checked against
the operation's response schema too, so test payloads cannot drift from the vendor's. Schemas
are OpenAPI 3.0's dialect (`nullable: true`), read as JSON Schema 2020-12. A description is a
JSON or YAML file; `tests/openapi/github_check.py` and the Langfuse fake each hold one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: Mapping[str, Any]


class Description:
    """One committed description: `name` says whose it is in each problem ("GitHub's REST
    description"), `vendor` who documents the answers, `base` the URI its schemas resolve under."""

    def __init__(self, path: Path, *, name: str, vendor: str, base: str) -> None:
        self.path, self.name, self.vendor, self.base = path, name, vendor, base

    @cached_property
    def document(self) -> dict[str, Any]:
        text = self.path.read_text("utf-8")
        loaded = json.loads(text) if self.path.suffix == ".json" else yaml.safe_load(text)
        return dict(loaded)

    @cached_property
    def _registry(self) -> Registry:
        contents = _json_schema(self.document)
        root = Resource.from_contents(contents, default_specification=DRAFT202012)
        return Registry().with_resource(self.base, root)

    @cached_property
    def operations(self) -> tuple[Operation, ...]:
        found = []
        for template, methods in self.document["paths"].items():
            regex = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template))
            for method, spec in methods.items():
                found.append(Operation(method.upper(), template, re.compile(f"^{regex}$"), spec))
        return tuple(found)

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """A `$ref` to a component, followed (one level)."""
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node
        _, _, kind, name = ref.split("/", 3)
        resolved: Mapping[str, Any] = self.document["components"][kind][name]
        return resolved

    def find(self, method: str, path: str) -> tuple[Operation, tuple[str, ...]] | None:
        for op in self.operations:
            match = op.pattern.match(path)
            if op.method == method and match:
                return op, tuple(unquote(v) for v in match.groups())
        return None

    def check_exchange(
        self,
        method: str,
        url: str,
        body: bytes | str | None,
        status: int,
        answer: str,
        *,
        api_url: str,
    ) -> list[str]:
        """Every way one request (and its 2xx answer) disagrees with the description."""
        problems = self.check_request(method, url, body, api_url=api_url)
        if not 200 <= status < 300 or self._operation(method, url, api_url)[0] is None:
            return problems
        return problems + self.check_answer(method, url, status, answer, api_url=api_url)

    def check_request(
        self, method: str, url: str, body: bytes | str | None, *, api_url: str
    ) -> list[str]:
        """Every way one request disagrees with the description."""
        found, where = self._operation(method, url, api_url)
        if found is None:
            return [where]
        op, values = found
        problems = self._check_path(where, op, values)
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
        problems += self._check_query(where, op, query)
        return problems + self._check_body(where, op, body)

    def check_answer(
        self, method: str, url: str, status: int, answer: str, *, api_url: str
    ) -> list[str]:
        """Every way a 2xx answer to a described request disagrees with its response schema."""
        found, where = self._operation(method, url, api_url)
        if found is None:
            return [where]
        op = found[0]
        response = op.spec["responses"].get(str(status))
        if response is None:
            return [f"{where}: the fake answered {status}, which {self.vendor} does not document"]
        if "content" not in self.resolve(response) or not answer:
            return []
        pointer = _pointer("paths", op.template, op.method.lower(), "responses", str(status))
        return self._validate(where, f"{status} answer", json.loads(answer), pointer)

    def _operation(
        self, method: str, url: str, api_url: str
    ) -> tuple[tuple[Operation, tuple[str, ...]] | None, str]:
        """The operation a request names and how problems name it, or None and the problem."""
        parts = urlsplit(url)
        base_path = urlsplit(api_url).path.rstrip("/")
        if not parts.path.startswith(base_path):
            return None, f"{method} {url}: not under the API base {api_url}"
        path = parts.path[len(base_path) :] or "/"
        found = self.find(method, path)
        if found is None:
            return None, f"{method} {path}: no such operation in {self.name}"
        return found, f"{method} {found[0].template}"

    def _parameters(self, op: Operation, where: str) -> dict[str, Mapping[str, Any]]:
        params = (self.resolve(p) for p in op.spec.get("parameters", []))
        return {p["name"]: p for p in params if p["in"] == where}

    def _check_path(self, where: str, op: Operation, values: Iterable[str]) -> list[str]:
        names = re.findall(r"\{([^}]+)\}", op.template)
        declared = self._parameters(op, "path")
        problems = []
        for name, value in zip(names, values, strict=True):
            if name not in declared:
                problems.append(f"{where}: path parameter {name} not declared")
            elif not _fits(declared[name].get("schema", {}), value):
                problems.append(f"{where}: path parameter {name}={value!r} is not a valid value")
        return problems

    def _check_query(
        self, where: str, op: Operation, pairs: Iterable[tuple[str, str]]
    ) -> list[str]:
        declared = self._parameters(op, "query")
        problems = []
        for name, value in pairs:
            if name not in declared:
                problems.append(f"{where}: unknown query parameter {name!r}")
            elif not _fits(declared[name].get("schema", {}), value):
                problems.append(f"{where}: query parameter {name}={value!r} is not a valid value")
        return problems

    def _check_body(self, where: str, op: Operation, body: bytes | str | None) -> list[str]:
        request_body = op.spec.get("requestBody")
        if not body:
            required = bool(request_body and request_body.get("required"))
            return [f"{where}: request body required"] if required else []
        if request_body is None:
            return [f"{where}: sends a body the operation does not take"]
        pointer = _pointer("paths", op.template, op.method.lower(), "requestBody")
        return self._validate(where, "request body", json.loads(body), pointer)

    def _validate(self, where: str, what: str, instance: Any, pointer: str) -> list[str]:
        schema = {"$ref": f"{self.base}#{pointer}/content/application~1json/schema"}
        if "$ref" in self._at(pointer):
            # a component response or request body: follow it, then into its content
            ref = self._at(pointer)["$ref"]
            schema = {"$ref": f"{self.base}{ref}/content/application~1json/schema"}
        validator = Draft202012Validator(schema, registry=self._registry)
        return [
            f"{where}: {what}: {e.message} at {e.json_path}"
            for e in validator.iter_errors(instance)
        ]

    def _at(self, pointer: str) -> Mapping[str, Any]:
        node: Any = self.document
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
