"""`core.load` remembers work by content: a warm load equals a cold one, whatever changed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentcd.core.definition import load
from agentcd.core.definition.load import LoadedAgent, load_agent
from agentcd.errors import DefinitionError
from tests.conftest import EXAMPLE
from tests.core.memtree import MemoryTree

AGENT = "agents/support-triage/agent.yaml"
FOLDER = "agents/support-triage"
Edit = Callable[[dict[str, bytes]], None]


def _forget() -> None:
    for cached in (load._agent, load._artifact, load._suite, load._frontmatter_name):
        cached.cache_clear()


def _append(path: str, text: str) -> Edit:
    def edit(files: dict[str, bytes]) -> None:
        files[f"{FOLDER}/{path}"] += text.encode()

    return edit


def _replace(path: str, old: str, new: str) -> Edit:
    def edit(files: dict[str, bytes]) -> None:
        full = f"{FOLDER}/{path}"
        assert old.encode() in files[full]
        files[full] = files[full].replace(old.encode(), new.encode())

    return edit


def _add(path: str, data: bytes) -> Edit:
    def edit(files: dict[str, bytes]) -> None:
        files[f"{FOLDER}/{path}"] = data

    return edit


# Each edit leaves agent.yaml as it is: only what it references changes.
EDITS = {
    "instructions": _append("instructions.md", "Be brief.\n"),
    "tool spec": _replace("tools/orders.yaml", "3.1.0", "3.0.3"),
    "skill text": _append("skills/escalation/SKILL.md", "Never escalate twice.\n"),
    "skill name": _replace("skills/escalation/SKILL.md", "name: escalation", "name: handoff"),
    "new skill file": _add("skills/escalation/notes.md", b"More notes.\n"),
    "binary skill file": _add("skills/escalation/logo.png", b"\x89PNG\x00\x01"),
}


def _loaded(files: dict[str, bytes]) -> LoadedAgent:
    return load_agent(MemoryTree(files), AGENT)


def _facts(agent: LoadedAgent) -> tuple[object, ...]:
    return agent.digest, agent.artifact, [s.digest for s in agent.suites]


@pytest.mark.parametrize("edit", EDITS.values(), ids=list(EDITS))
def test_an_edited_reference_loads_as_if_nothing_were_remembered(edit: Edit) -> None:
    files = dict(MemoryTree.from_folder(EXAMPLE).files)
    before = _loaded(files)
    edit(files)
    warm = _loaded(files)
    _forget()
    cold = _loaded(files)
    assert _facts(warm) == _facts(cold)
    assert warm.digest != before.digest


def test_an_edited_suite_changes_its_digest_not_the_agents() -> None:
    files = dict(MemoryTree.from_folder(EXAMPLE).files)
    before = _loaded(files)
    _replace("evals/triage.yaml", "due yesterday", "due today")(files)
    after = _loaded(files)
    assert after.digest == before.digest
    assert after.suites[0].digest != before.suites[0].digest
    _forget()
    assert [s.digest for s in after.suites] == [s.digest for s in _loaded(files).suites]


def test_the_same_content_is_shared_between_loads() -> None:
    files = dict(MemoryTree.from_folder(EXAMPLE).files)
    first, second = _loaded(files), _loaded(dict(files))
    assert second.artifact is first.artifact
    assert second.definition is first.definition
    assert second.suites[0] is first.suites[0]


def test_an_error_is_not_remembered() -> None:
    files = dict(MemoryTree.from_folder(EXAMPLE).files)
    good = files[AGENT]
    files[AGENT] = good.replace(b"kind: Agent", b"kind: Agnet")
    for _ in range(2):
        with pytest.raises(DefinitionError, match="kind"):
            _loaded(files)
    files[AGENT] = good
    assert _loaded(files).name == "support-triage"
