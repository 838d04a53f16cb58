"""Golden digests of a corpus written in every YAML style agentcd accepts.

Each agent in tests/golden/yaml-corpus/project uses one family of forms: every scalar
spelling (booleans, null, integers in each base, floats, words that only look like numbers),
quoting, explicit tags, block and flow styles, chomping, anchors and merge keys, comments and
document markers, Unicode, CRLF line endings and a byte order mark. The digests and canonical
bytes are pinned, so a YAML library release (or any dependency) that would move a digest fails
here, before it reaches a ledger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentcd.core.definition.canonical import canonical_bytes
from agentcd.core.definition.digest import artifact_digest
from agentcd.core.definition.load import load_workspace
from tests.core.memtree import MemoryTree

CORPUS = Path(__file__).parents[1] / "golden" / "yaml-corpus" / "project"


def test_the_corpus_keeps_its_bytes() -> None:
    """Checked out as committed: CRLF and the BOM are what the corpus is about."""
    assert b"\r\n" in (CORPUS / "agents" / "crlf" / "agent.yaml").read_bytes()
    assert (CORPUS / "agents" / "bom" / "agent.yaml").read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_corpus_digests_are_pinned(golden: Any) -> None:
    ws = load_workspace(MemoryTree.from_folder(CORPUS))
    assert len(ws.agents) >= 20
    text = "".join(
        f"{a.name} {artifact_digest(a.artifact)}\n{canonical_bytes(a.artifact).decode()}\n"
        for a in ws.agents
    )
    golden("yaml-corpus/digests.txt", text)
