"""The git ledger's files: where each record lives on the branch, its JSON lines, and the edits
that append to them, each checking compare-and-set against the file it extends. No I/O.

Layout (format 2): `ledger.json` (the format), `deployments/<env>/<agent>.jsonl` (a `claim`
line per deployment, then one `finish` line when it ends: the history stays append-only and is
folded on read), `evals/<agent>.jsonl` (one verdict per line), `bundles/sha256/<hex>.json`.
Format 2 links every record line in the hash chain (`gitchain`); format 1 lines read as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from agentcd.adapters.ledger.protocol import LedgerError, SequenceTaken
from agentcd.core.definition.bundle import Bundle, bundle_to_json
from agentcd.core.deploy.ledger import Deployment, EvalRecord, Status

FORMAT = 2  # 2: every record line linked in the hash chain (see gitchain)
MANIFEST = "ledger.json"
MANIFEST_BYTES = (json.dumps({"format": FORMAT, "kind": "agentcd-ledger"}) + "\n").encode()
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def deployments_path(environment: str, agent: str) -> str:
    return f"deployments/{file_component(environment)}/{file_component(agent)}.jsonl"


def evals_path(agent: str) -> str:
    return f"evals/{file_component(agent)}.jsonl"


def bundle_path(digest: str) -> str:
    return f"bundles/sha256/{file_component(digest.removeprefix('sha256:'))}.json"


def is_deployments(path: str) -> bool:
    return path.startswith("deployments/") and path.endswith(".jsonl")


def file_component(name: str) -> str:
    if not _SAFE.match(name):
        raise LedgerError(f"writing the git ledger: {name!r} cannot be a file name on the branch")
    return name


def check_manifest(data: bytes | None, where: str) -> None:
    """A branch without `ledger.json` is not ours to write to; a newer format is not ours to
    read."""
    if data is None:
        raise LedgerError(
            f"reading the ledger {where}: the branch exists but holds no {MANIFEST}, so it is not "
            "an agentcd ledger; set `ledger.branch` in agentcd.yaml to an unused branch name"
        )
    try:
        version = json.loads(data)["format"]
    except (ValueError, KeyError, TypeError) as e:
        raise LedgerError(f"reading the ledger {where}: {MANIFEST} is corrupt ({e!r})") from e
    if not isinstance(version, int) or version > FORMAT:
        raise LedgerError(
            f"reading the ledger {where}: format {version} was written by a newer agentcd (this "
            f"one reads up to {FORMAT}); upgrade agentcd"
        )


# ---------------------------------------------------------------- reading


def read_deployments(data: bytes, where: str) -> tuple[Deployment, ...]:
    """One slot's records by seq: each claim with its finish, if any, applied."""
    records: dict[int, Deployment] = {}
    for n, line in enumerate(read_lines(data, where), start=1):
        event = line.get("event")
        try:
            if event == "claim":
                record = Deployment.model_validate(line["record"])
                records[record.seq] = record
            elif event == "finish":
                seq = int(line["seq"])
                records[seq] = _finished(records[seq], line)
            else:
                raise ValueError(f"unknown event {event!r}")
        except (KeyError, ValueError, TypeError) as e:
            raise LedgerError(f"reading the ledger {where}: line {n}: a corrupt record: {e}") from e
    return tuple(records[seq] for seq in sorted(records))


def _finished(held: Deployment, line: Mapping[str, Any]) -> Deployment:
    update = {
        "status": Status(line["status"]),
        "finished_at": datetime.fromisoformat(line["finished_at"]),
        "platform_versions": dict(line.get("platform_versions") or {}),
        "note": line.get("note") or held.note,
    }
    return held.model_copy(update=update)


def read_evals(data: bytes, where: str) -> tuple[EvalRecord, ...]:
    found = []
    for n, line in enumerate(read_lines(data, where), start=1):
        try:
            found.append(EvalRecord.model_validate(_unlinked(line)))
        except ValidationError as e:
            problem = f"line {n}: a corrupt verdict: {e}"
            raise LedgerError(f"reading the ledger {where}: {problem}") from e
    return tuple(found)


def _unlinked(line: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in line.items() if key != "chain"}  # see gitchain


def read_lines(data: bytes, where: str) -> list[dict[str, Any]]:
    try:
        parsed = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    except (UnicodeDecodeError, ValueError) as e:
        raise LedgerError(f"reading the ledger {where}: not JSON lines ({e})") from e
    if not all(isinstance(p, dict) for p in parsed):
        raise LedgerError(f"reading the ledger {where}: every line must be a JSON object")
    return parsed


def _line(data: Mapping[str, Any]) -> bytes:
    # Keys in the records' own order (fields as declared, mappings as given), as SQLite keeps.
    return (json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


# ---------------------------------------------------------------- edits


@dataclass(frozen=True, slots=True)
class Claim:
    """Append `record` if its seq is the next one of its slot."""

    record: Deployment

    @property
    def path(self) -> str:
        return deployments_path(self.record.environment, self.record.agent)

    def describe(self) -> str:
        r = self.record
        return f"claim #{r.seq} of {r.agent} in {r.environment} ({r.artifact_digest})"

    def apply(self, current: bytes | None) -> bytes:
        r = self.record
        held = read_deployments(current or b"", self.path)
        latest = held[-1].seq if held else 0
        if r.seq != latest + 1:
            holder = next((d for d in held if d.seq == min(r.seq, latest)), None)
            raise SequenceTaken(r.agent, r.environment, r.seq, holder)
        claim = {"event": "claim", "record": json.loads(r.model_dump_json())}
        return (current or b"") + _line(claim)


@dataclass(frozen=True, slots=True)
class Finish:
    """Append the final status of an `in_progress` deployment."""

    agent: str
    environment: str
    seq: int
    status: Status
    finished_at: datetime
    platform_versions: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def path(self) -> str:
        return deployments_path(self.environment, self.agent)

    def describe(self) -> str:
        return f"finish #{self.seq} of {self.agent} in {self.environment}: {self.status.value}"

    def done(self, current: bytes | None) -> Deployment:
        """The finished record, or `SequenceTaken` when it is not in progress in `current`."""
        held = read_deployments(current or b"", self.path)
        record = next((d for d in held if d.seq == self.seq), None)
        if record is None or record.status is not Status.IN_PROGRESS:
            raise SequenceTaken(self.agent, self.environment, self.seq, record)
        return _finished(record, self._event())

    def apply(self, current: bytes | None) -> bytes:
        self.done(current)
        return (current or b"") + _line(self._event())

    def _event(self) -> dict[str, Any]:
        return {
            "event": "finish",
            "seq": self.seq,
            "status": self.status.value,
            "finished_at": self.finished_at.isoformat(),
            "platform_versions": dict(self.platform_versions),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class PutBundle:
    """Store a bundle under its digest, once."""

    bundle: Bundle

    @property
    def path(self) -> str:
        return bundle_path(self.bundle.digest)

    def describe(self) -> str:
        return f"store the bundle {self.bundle.digest} of {self.bundle.name}"

    def apply(self, current: bytes | None) -> bytes | None:
        return None if current is not None else bundle_to_json(self.bundle).encode()


@dataclass(frozen=True, slots=True)
class AddEval:
    """Append an eval verdict."""

    record: EvalRecord

    @property
    def path(self) -> str:
        return evals_path(self.record.agent)

    def describe(self) -> str:
        r = self.record
        return f"record the eval verdict {r.verdict.value} of {r.agent} ({r.artifact_digest})"

    def apply(self, current: bytes | None) -> bytes:
        return (current or b"") + _line(json.loads(self.record.model_dump_json()))


Edit = Claim | Finish | PutBundle | AddEval
