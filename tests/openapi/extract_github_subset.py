"""Extract the part of GitHub's official REST description that agentcd uses.

The description ships in the npm package `@octokit/openapi` (about 385 MB unpacked), too big
to install in CI. This script keeps only the operations in `OPERATIONS`, with their
parameters, request bodies, success responses, examples and the component schemas they
reference, and writes `github-subset.json` next to it. Re-run it when agentcd starts calling
another endpoint:

    npm install --prefix SCRATCH @octokit/openapi
    python tests/openapi/extract_github_subset.py SCRATCH/node_modules/@octokit/openapi
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("get", "/user"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("post", "/repos/{owner}/{repo}/deployments"),
    ("post", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
    ("get", "/repos/{owner}/{repo}/actions/runs/{run_id}/approvals"),
)
_KEEP = ("operationId", "parameters", "requestBody", "responses")
_HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="the unpacked @octokit/openapi package")
    parser.add_argument("--output", type=Path, default=_HERE / "github-subset.json")
    args = parser.parse_args(argv)
    spec = json.loads((args.package / "generated" / "api.github.com.json").read_text("utf-8"))
    subset = extract(spec, OPERATIONS)
    args.output.write_text(json.dumps(subset, indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"{args.output.name}: {len(OPERATIONS)} operations, {args.output.stat().st_size:,} bytes")
    return 0


def extract(spec: dict[str, Any], operations: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The subset of `spec` holding `operations` and every component they reference."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path in operations:
        operation = spec["paths"][path][method]
        slim = {key: operation[key] for key in _KEEP if key in operation}
        slim["responses"] = _success(slim["responses"])
        paths.setdefault(path, {})[method] = slim
    components = _referenced(spec, paths)
    return {
        "openapi": spec["openapi"],
        "info": {"title": spec["info"]["title"], "version": spec["info"]["version"]},
        "paths": _trim(paths),
        "components": _trim(components),
    }


def _trim(node: Any, *, names: bool = False) -> Any:
    """Without prose (`description` texts, `externalDocs`); examples are kept verbatim.

    `names` marks a `properties` mapping, whose keys are field names (a field may be called
    `description`), not schema keywords.
    """
    if isinstance(node, list):
        return [_trim(v) for v in node]
    if not isinstance(node, dict):
        return node
    kept = {}
    for key, value in node.items():
        if not names and (
            key == "externalDocs" or (key == "description" and isinstance(value, str))
        ):
            continue
        if not names and key in ("example", "examples"):
            kept[key] = value
        else:
            kept[key] = _trim(value, names=not names and key == "properties")
    return kept


def _success(responses: dict[str, Any]) -> dict[str, Any]:
    # Error bodies are GitHub's to describe; we check what we send and the 2xx we expect.
    return {code: body for code, body in responses.items() if code.startswith("2")}


def _referenced(spec: dict[str, Any], root: Any) -> dict[str, dict[str, Any]]:
    components: dict[str, dict[str, Any]] = {}
    pending = list(_refs(root))
    while pending:
        ref = pending.pop()
        _, _, kind, name = ref.split("/", 3)
        if name in components.get(kind, {}):
            continue
        value = spec["components"][kind][name]
        components.setdefault(kind, {})[name] = value
        pending.extend(_refs(value))
    return components


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


if __name__ == "__main__":
    sys.exit(main())
