"""The hash chain on the git ledger's branch (`core.deploy.chain`): every line of the
`deployments/` and `evals/` files is an entry, linked as it is appended; what a clone read
before must only have grown since; and what `verify` reports of a tree. No I/O.

Files are taken in path order and lines in file order; a line's place in the whole ledger is its
`chain.n`. Leases (`leases/`) are not records: they change in place and are not chained.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from agentcd.adapters.ledger import jsonl
from agentcd.core.deploy.chain import (
    CHAIN_KEY,
    ChainBreak,
    ChainCheck,
    Entry,
    Head,
    check_chain,
    differences,
    link,
    link_of,
)
from agentcd.core.deploy.verify import LedgerCheck, check_bundle

_CHAINED = ("deployments/", "evals/")


def is_chained(path: str) -> bool:
    return path.startswith(_CHAINED) and path.endswith(".jsonl")


def check(files: Mapping[str, bytes], where: str) -> ChainCheck:
    """The chain over every record file of a tree (path -> content)."""
    return check_chain(
        Entry(f"{path} line {n} ({_describe(path, data)})", path, data)
        for path in sorted(files)
        if is_chained(path)
        for n, data in enumerate(jsonl.read_lines(files[path], f"{where}: {path}"), start=1)
    )


def _describe(path: str, data: Mapping[str, Any]) -> str:
    if path.startswith("evals/"):
        return f"the {data.get('verdict')} verdict for {data.get('artifact_digest')}"
    record = data.get("record")
    seq = record.get("seq") if isinstance(record, dict) else data.get("seq")
    return f"the {data.get('event')} of #{seq}"


def link_appended(current: bytes | None, changed: bytes, head: Head) -> bytes:
    """`changed` (`current` with lines appended) with each new line linked after `head`."""
    before = current or b""
    assert changed.startswith(before), "an edit of a record file only appends"
    out = [before]
    for line in changed[len(before) :].decode("utf-8").splitlines():
        if line.strip():
            linked, head = link(json.loads(line), head)
            out.append(
                (json.dumps(linked, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
            )
    return b"".join(out)


def last_head(data: bytes) -> Head | None:
    """The link of a file's last line, when it is linked."""
    lines = data.rstrip(b"\n").rsplit(b"\n", 1)
    last = json.loads(lines[-1]) if lines[-1].strip() else None
    if not isinstance(last, dict) or not isinstance(last.get(CHAIN_KEY), dict):
        return None
    return Head(int(last[CHAIN_KEY]["n"]), link_of(last))


def appended_only(
    before: Mapping[str, str], after: Mapping[str, str], blobs: Mapping[str, bytes], *, seen: str
) -> ChainBreak | None:
    """Whether every record file and bundle of the tree this clone read (`before`, path ->
    blob) is still there in `after`, each record file only grown at its end."""
    since = f"since this clone read the branch at {seen[:12]}"
    for path, blob in sorted(before.items()):
        if not (is_chained(path) or path.startswith("bundles/")):
            continue
        now = after.get(path)
        if now is None:
            return ChainBreak(path, f"the file is gone {since}")
        if now != blob and not is_chained(path):
            return ChainBreak(path, f"the bundle changed {since}")
        if now != blob and not blobs[now].startswith(blobs[blob]):
            return _changed_line(path, blobs[blob], blobs[now], since)
    return None


def _changed_line(path: str, old: bytes, new: bytes, since: str) -> ChainBreak:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for n, (was, now) in enumerate(zip(old_lines, new_lines, strict=False), start=1):
        if was != now:
            change = differences(_parsed(now), _parsed(was), stored_as="now", expected_as="then")
            return ChainBreak(f"{path} line {n}", f"it changed {since}: {change}")
    return ChainBreak(f"{path} line {len(new_lines) + 1}", f"it is gone {since}")


def _parsed(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return line.decode("utf-8", "replace")


def report(ledger: str, files: Mapping[str, bytes], chain: ChainCheck) -> LedgerCheck:
    """A tree's records counted, its chain as checked, and every bundle in it (path -> content)
    read back, its digest recomputed."""
    return LedgerCheck(
        ledger=ledger,
        deployments=sum(
            len(jsonl.read_deployments(data, f"{ledger}: {path}"))
            for path, data in files.items()
            if jsonl.is_deployments(path)
        ),
        evals=sum(
            len(jsonl.read_evals(data, f"{ledger}: {path}"))
            for path, data in files.items()
            if path.startswith("evals/")
        ),
        chain=chain,
        bundles=tuple(
            check_bundle(_bundle_digest(path), data.decode("utf-8", "replace"), where=path)
            for path, data in sorted(files.items())
            if path.startswith("bundles/")
        ),
    )


def _bundle_digest(path: str) -> str:
    return "sha256:" + path.rsplit("/", 1)[-1].removesuffix(".json")
