"""`core.bundle`: a bundle round-trips, and is trusted only when its digest recomputes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentcd.core.definition.bundle import bundle_to_json, make_bundle, read_bundle
from agentcd.core.definition.load import load_workspace
from agentcd.errors import DefinitionError
from tests.conftest import EXAMPLE
from tests.core.memtree import MemoryTree


@pytest.fixture(scope="module")
def bundle_json() -> str:
    agent = load_workspace(MemoryTree.from_folder(EXAMPLE)).agent("support-triage")
    assert agent is not None
    bundle = make_bundle(name=agent.name, artifact=agent.artifact, commit="c0ffee", path=agent.path)
    assert bundle.digest == agent.digest
    return bundle_to_json(bundle)


def test_a_bundle_round_trips(bundle_json: str) -> None:
    bundle = read_bundle(bundle_json, path="b.json")
    assert (bundle.name, bundle.commit, bundle.path) == (
        "support-triage",
        "c0ffee",
        "agents/support-triage/agent.yaml",
    )
    assert bundle_to_json(bundle) == bundle_json


def test_a_reordered_bundle_verifies_and_comes_back_canonical(bundle_json: str) -> None:
    data = json.loads(bundle_json)
    data["artifact"]["tools"].reverse()
    data["artifact"]["model"]["parameters"]["max_output_tokens"] = 800.0
    bundle = read_bundle(json.dumps(data), path="b.json")
    assert bundle_to_json(bundle) == bundle_json


def _edit(bundle_json: str, change: Any) -> str:
    data = json.loads(bundle_json)
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["artifact"]["model"].update(id="gpt-5"),
            "b.json: digest: tampered bundle: it says {digest} but its artifact hashes to sha256:",
        ),
        (
            lambda d: d.update(bundle_version=2),
            "b.json: bundle_version: expected 1, found 2 (not a bundle?)",
        ),
        (
            lambda d: d.update(digest="md5:x"),
            "b.json: digest: missing or malformed artifact or digest",
        ),
        (lambda d: d.pop("artifact"), "b.json: digest: missing or malformed artifact or digest"),
        (
            lambda d: d["artifact"].update(canonical_version=0),
            "b.json: artifact.canonical_version: expected 1 (rebuild the bundle)",
        ),
        (
            lambda d: d.update(name="other"),
            "b.json: name: 'other' is not the artifact's metadata.name",
        ),
        (
            lambda d: d["artifact"]["tools"].append({"type": "x"}),
            "b.json: artifact: not a canonical artifact: KeyError('name')",
        ),
        (lambda d: d["artifact"].update(metadata="x"), "b.json: digest: tampered bundle"),
        (
            lambda d: d.update(source=["x"]),
            "b.json: source: must be a mapping with commit and path",
        ),
    ],
)
def test_read_bundle_refuses(bundle_json: str, change: Any, message: str) -> None:
    digest = json.loads(bundle_json)["digest"]
    with pytest.raises(DefinitionError) as e:
        read_bundle(_edit(bundle_json, change), path="b.json")
    assert str(e.value).startswith(message.format(digest=digest))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{",
            "b.json: not a bundle: invalid JSON (Expecting property name enclosed in double "
            "quotes, line 1)",
        ),
        ("[]", "b.json: bundle_version: expected 1, found None (not a bundle?)"),
    ],
)
def test_read_bundle_refuses_what_is_not_a_bundle(text: str, message: str) -> None:
    with pytest.raises(DefinitionError) as e:
        read_bundle(text, path="b.json")
    assert str(e.value) == message
