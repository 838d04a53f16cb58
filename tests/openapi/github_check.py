"""Check HTTP traffic against GitHub's official REST description (the committed subset).

Every request a GitHub test sends must match an operation of `github-subset.json` by method
and path template, use only the path and query parameters that operation declares (with
values of the declared types), and carry a JSON body valid against its request schema. The
fake's 2xx answers are checked against the operation's response schema too, so test
payloads cannot drift from GitHub's. The checking is `tests/openapi/described.py`'s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.openapi.described import Description, Operation

SUBSET_PATH = Path(__file__).resolve().parent / "github-subset.json"
GITHUB = Description(
    SUBSET_PATH, name="GitHub's REST description", vendor="GitHub", base="urn:github-rest"
)

__all__ = ["GITHUB", "Operation", "check_exchange", "example", "find", "operations", "subset"]


def subset() -> dict[str, Any]:
    return GITHUB.document


def operations() -> tuple[Operation, ...]:
    return GITHUB.operations


def resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """A `$ref` to a component, followed (one level)."""
    return GITHUB.resolve(node)


def example(name: str) -> Any:
    """An official example payload from the description, by component name."""
    return json.loads(json.dumps(subset()["components"]["examples"][name]["value"]))


def find(method: str, path: str) -> tuple[Operation, tuple[str, ...]] | None:
    return GITHUB.find(method, path)


def check_exchange(
    method: str, url: str, body: bytes | str | None, status: int, answer: str, *, api_url: str
) -> list[str]:
    """Every way one request (and its 2xx answer) disagrees with the description."""
    return GITHUB.check_exchange(method, url, body, status, answer, api_url=api_url)
