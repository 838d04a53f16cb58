"""Properties of the digest: blind to how a definition is written, sensitive to what it says.

The example agents are re-written in random but equivalent ways (key order, flow or block
collections, quoting, `|` / `|-` / quoted instructions, number spellings, CRLF, BOM, trailing
newlines, comments) and mutated in behaviour-relevant ways; the digest must follow meaning only.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentcd.core.definition.canonical import canonical_bytes, normalize_numbers
from agentcd.core.definition.load import load_agent
from agentcd.core.definition.parse import decode_text, parse_yaml
from tests.conftest import EXAMPLE
from tests.core.memtree import MemoryTree

Draw = Callable[[st.SearchStrategy[Any]], Any]
SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
BASE = MemoryTree.from_folder(EXAMPLE)
AGENTS = sorted(p for p in BASE.files if p.endswith("/agent.yaml"))
RAW = {p: parse_yaml(decode_text(BASE.files[p], path=p), path=p) for p in AGENTS}
STR, MAP, SEQ = (f"tag:yaml.org,2002:{t}" for t in ("str", "map", "seq"))


def _digest(files: dict[str, bytes], path: str) -> tuple[str, bytes]:
    agent = load_agent(MemoryTree(files), path)
    return agent.digest, canonical_bytes(agent.artifact)


BASELINE = {p: _digest(BASE.files, p) for p in AGENTS}


# ------------------------------------------------------------ equivalent spellings
# One seed drawn by hypothesis drives every style choice: hundreds of draws per example are slow.


def _scalar(value: Any, rnd: random.Random, *, key: bool) -> yaml.Node:
    if isinstance(value, str):
        styles = [None, "'", '"'] if key else [None, "'", '"', "|", ">"]
        return yaml.ScalarNode(STR, value, style=rnd.choice(styles))
    if isinstance(value, bool):
        text = rnd.choice(["true", "True", "TRUE"] if value else ["false", "False"])
        return yaml.ScalarNode("tag:yaml.org,2002:bool", text)
    if isinstance(value, int):  # an integral float is the same number in canonical form
        spelling = rnd.choice([str(value), f"{value}.0", f"{float(value):e}"])
        tag = "int" if spelling == str(value) else "float"
        return yaml.ScalarNode(f"tag:yaml.org,2002:{tag}", spelling)
    if isinstance(value, float):
        spellings = [s for s in (repr(value), f"{value:.6f}", f"{value:e}") if float(s) == value]
        return yaml.ScalarNode("tag:yaml.org,2002:float", rnd.choice(spellings))
    return yaml.ScalarNode("tag:yaml.org,2002:null", rnd.choice(["null", "~", ""]))


def _node(value: Any, rnd: random.Random, *, key: bool = False) -> yaml.Node:
    flow = rnd.random() < 0.5
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        pairs = [(_node(k, rnd, key=True), _node(v, rnd)) for k, v in items]
        return yaml.MappingNode(MAP, pairs, flow_style=flow)
    if isinstance(value, list):
        return yaml.SequenceNode(SEQ, [_node(v, rnd) for v in value], flow_style=flow)
    return _scalar(value, rnd, key=key)


def _respell(data: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    """Set-like lists shuffled; inline instructions as a string or `{text: ...}`, with 0 to 3
    trailing newlines (so `|`, `|-`, `|+` and quoted forms all occur)."""
    for key in ("tools", "knowledge", "guardrails", "skills", "subagents"):
        rnd.shuffle(data.get(key, []))
    rnd.shuffle(data["metadata"].get("owners", []))
    for tool in data.get("tools", []):
        rnd.shuffle(tool.get("allowed_tools", []))
    text = data["instructions"]
    if isinstance(text, str):
        text = text.rstrip("\n") + "\n" * rnd.randint(0, 3)
        data["instructions"] = rnd.choice([text, {"text": text}])
    return data


def render(data: Any, rnd: random.Random) -> str:
    node = _node(_respell(copy.deepcopy(data), rnd), rnd)
    text = yaml.serialize(node, indent=rnd.randint(2, 4), width=rnd.randint(40, 200))
    return rnd.choice(["", "---\n", "# yaml-language-server: $schema=x\n"]) + text


def reencode(text: str | bytes, rnd: random.Random) -> bytes:
    """The same text with any line endings, an optional BOM and extra final newlines."""
    text = text if isinstance(text, str) else text.decode("utf-8")
    text = (text + "\n" * rnd.randint(0, 2)).replace("\n", rnd.choice(["\n", "\r\n"]))
    return (rnd.choice(["", "\ufeff"]) + text).encode("utf-8")


def equivalent_files(rnd: random.Random, path: str, data: Any) -> dict[str, bytes]:
    files = {p: reencode(d, rnd) for p, d in BASE.files.items()}
    files[path] = reencode(render(data, rnd), rnd)
    return files


SEEDS = st.integers(0, 2**32 - 1).map(random.Random)


@SETTINGS
@given(st.data())
def test_the_digest_ignores_how_a_definition_is_written(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(AGENTS))
    files = equivalent_files(data.draw(SEEDS), path, RAW[path])
    parsed = parse_yaml(decode_text(files[path], path=path), path=path)
    assert _values(parsed) == _values(RAW[path])  # the re-writing kept every value, as a set
    assert _digest(files, path) == BASELINE[path]


def _values(data: dict[str, Any]) -> Any:
    """Everything but the instructions (their spelling varies on purpose), sets sorted."""
    rest = normalize_numbers({k: v for k, v in data.items() if k != "instructions"})
    for key in ("tools", "knowledge", "guardrails", "skills", "subagents"):
        rest[key] = sorted(rest.get(key, []), key=lambda v: json.dumps(v, sort_keys=True))
    rest["metadata"]["owners"] = sorted(rest["metadata"].get("owners", []))
    for tool in rest["tools"]:
        tool["allowed_tools"] = sorted(tool.get("allowed_tools", []))
    return rest


# ------------------------------------------------------------ changes in meaning

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)


def _insert(text: str, draw: Draw) -> str:
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(WORD) + text[at:]


def _mutate(draw: Draw, path: str, files: dict[str, bytes]) -> tuple[str, dict[str, Any]]:
    data = copy.deepcopy(RAW[path])
    folder = path.rsplit("/", 1)[0]
    kinds = ["instructions", "model id", "parameter", "add tool", "knowledge version"]
    kinds += ["approval", "side effects"] if data.get("tools") else []
    kinds += ["skill file"] if data.get("skills") else []
    kind = draw(st.sampled_from(kinds))
    if kind == "instructions":
        if isinstance(data["instructions"], str):
            data["instructions"] = _insert(data["instructions"], draw)
        else:
            file = f"{folder}/{data['instructions']['file']}"
            files[file] = _insert(files[file].decode(), draw).encode()
    elif kind == "model id":
        data["model"]["id"] += draw(WORD)
    elif kind == "parameter":
        params = data["model"].setdefault("parameters", {})
        name = draw(st.sampled_from([*params, "top_p"]))
        value = draw(st.floats(0, 2, allow_nan=False).filter(lambda v: v != params.get(name)))
        params[name] = value
    elif kind == "add tool":
        names = {t["name"] for t in data.get("tools", [])}
        name = draw(WORD.map(lambda w: "t_" + w.replace("-", "_")).filter(lambda n: n not in names))
        tool_type = draw(st.sampled_from(["function", "mcp", "builtin"]))
        data.setdefault("tools", []).append({"name": name, "type": tool_type})
    elif kind == "knowledge version":
        knowledge = data.setdefault("knowledge", [{"name": "kb", "type": "files"}])
        knowledge[0]["version"] = str(knowledge[0].get("version", "")) + draw(WORD)
    elif kind == "approval":
        tool = draw(st.sampled_from(data["tools"]))
        choice = draw(
            st.sampled_from([a for a in (None, "always", "never") if a != tool.get("approval")])
        )
        tool.pop("approval", None)
        tool.update({"approval": choice} if choice else {})
    elif kind == "side effects":
        tool = draw(st.sampled_from(data["tools"]))
        tool["side_effects"] = not tool.get("side_effects", False)
    else:
        skill = draw(st.sampled_from(data["skills"]))["path"]
        file = f"{folder}/{skill}/SKILL.md"
        files[file] = (files[file].decode() + draw(WORD) + "\n").encode()
    return kind, data


@SETTINGS
@given(st.data())
def test_the_digest_changes_with_every_behaviour_change(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(AGENTS))
    files = dict(BASE.files)
    _, mutated = _mutate(data.draw, path, files)
    rnd = data.draw(SEEDS)
    files[path] = reencode(render(mutated, rnd), rnd)
    digest, canonical = _digest(files, path)
    assert digest != BASELINE[path][0]
    assert canonical != BASELINE[path][1]


@settings(SETTINGS, max_examples=25)
@given(st.data())
def test_equal_digests_mean_equal_canonical_bytes(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(AGENTS))
    results = []
    for _ in range(2):
        files = dict(BASE.files)
        raw = _mutate(data.draw, path, files)[1] if data.draw(st.booleans()) else RAW[path]
        rnd = data.draw(SEEDS)
        files[path] = reencode(render(raw, rnd), rnd)
        results.append(_digest(files, path))
    (d1, b1), (d2, b2) = results
    assert (d1 == d2) == (b1 == b2)
