"""Plan views for the renderer tests: the example project in memory, edited per scenario.

Base and head are the example project (`examples/support-desk`) with text edits applied; the
ledger holds one deployment per agent and environment of the base's artifacts, at fixed
times; live states are built so the drift detectors report what each scenario needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from agentcd.core.definition.load import LoadedAgent, Workspace
from agentcd.core.deploy.drift import AgentDrift, LiveState, Presence, assess, config_digest
from agentcd.core.deploy.ledger import Deployment, Status, fold
from agentcd.core.deploy.release import make_release
from agentcd.core.diff.changes import Side
from agentcd.core.evals.stats import wilson_interval
from agentcd.core.review.environment import LedgerState
from agentcd.core.review.evals import EvalResult, read_eval_report
from agentcd.core.review.findings import base_findings, change_findings
from agentcd.core.review.marker import Marker, with_marker
from agentcd.core.review.plan import PlanInputs, PlanView, build_plan, changed_agents
from agentcd.core.review.snapshot import Snapshot, load_snapshot
from agentcd.render.review.markdown import CommentOptions, render_markdown
from tests.conftest import EXAMPLE
from tests.core.memtree import MemoryTree

BASE_SHA = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
HEAD_SHA = "9f3c2e1d0c9b8a7f6e5d4c3b2a19f8e7d6c5b4a3"
DEPLOYED_SHA = "0aa1bb2cc3dd4ee5ff60718293a4b5c6d7e8f901"
T0 = datetime(2026, 2, 20, 9, 30, tzinfo=UTC)
RUN_URL = "https://github.com/octo-org/support-desk/actions/runs/812"
Edits = Mapping[str, Sequence[tuple[str, str]]]  # path -> (old, new) replacements


class SnapshotTree(MemoryTree):
    """A memory tree that says which commit it is."""

    def __init__(self, files: Mapping[str, bytes | str], *, commit: str, label: str) -> None:
        super().__init__(files, label=label)
        self._commit = commit

    @property
    def commit(self) -> str | None:
        return self._commit


def example_files() -> dict[str, bytes]:
    return dict(MemoryTree.from_folder(EXAMPLE).files)


def edited(files: Mapping[str, bytes], edits: Edits) -> dict[str, bytes]:
    out = dict(files)
    for path, replacements in edits.items():
        text = out[path].decode() if path in out else ""
        for old, new in replacements:
            assert old in text, f"{old!r} not in {path}"
            text = text.replace(old, new, 1) if old else text + new
        out[path] = text.encode()
    return out


def snapshot(files: Mapping[str, bytes], sha: str) -> Snapshot:
    return load_snapshot(SnapshotTree(files, commit=sha, label=f"revision {sha}"))


@dataclass
class Scenario:
    """What the ledger and the platforms say, per (agent, environment)."""

    base: dict[str, bytes] = field(default_factory=example_files)
    head: dict[str, bytes] = field(default_factory=example_files)
    deployed: Mapping[str, tuple[str, ...]] | None = None  # agent -> envs (default: all)
    drifted: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    unrecorded: Mapping[tuple[str, str], str] = field(default_factory=dict)  # live digest
    ledger_problem: str | None = None
    unreadable: Mapping[str, str] = field(default_factory=dict)
    evals: tuple[EvalResult, ...] = ()
    change: int = 42

    def view(self) -> PlanView:
        base, head = snapshot(self.base, BASE_SHA), snapshot(self.head, HEAD_SHA)
        ledger = self._ledger(base.workspace)
        changed = changed_agents(base, head)
        findings = change_findings(head.workspace, base.workspace, changed)
        return build_plan(
            PlanInputs(
                base=base,
                head=head,
                base_side=Side(label="merge base with main", commit=BASE_SHA),
                head_side=Side(label=f"revision {HEAD_SHA}", commit=HEAD_SHA),
                ledger=ledger,
                evals=self.evals,
                findings=findings,
                base_findings=base_findings(base.workspace, changed, findings),
                change=self.change,
                report_url=RUN_URL,
            )
        )

    def _ledger(self, base: Workspace) -> LedgerState:
        label = ".agentcd/ledger.db"
        if self.ledger_problem:
            return LedgerState(label=label, problem=self.ledger_problem)
        records = [
            record(agent, env, i, base)
            for agent in base.agents
            for i, env in enumerate(base.project.environments)
            if self.deployed is None or env.name in self.deployed.get(agent.name, ())
        ]
        slots = fold(records)
        live = {key: self._live(slot.current, key) for key, slot in slots.items() if slot.current}
        return LedgerState(
            label=label, slots=slots, live=live, records=len(records), unreadable=self.unreadable
        )

    def _live(self, expected: Deployment | None, key: tuple[str, str]) -> AgentDrift:
        assert expected is not None
        config = dict(self.drifted.get(key, APPROVED))
        digest = self.unrecorded.get(key, expected.deployment_digest)
        live = LiveState(Presence.PRESENT, config=config, deployment_digest=digest)
        approved = APPROVED if key in self.drifted else None
        return assess(
            agent=key[0],
            environment=key[1],
            expected=expected,
            live=live,
            recorded=(expected,),
            approved=approved,
        )


APPROVED: Mapping[str, Any] = {"instructions": "approved text", "model": {"temperature": 0.2}}


def record(agent: LoadedAgent, env: Any, index: int, base: Workspace) -> Deployment:
    release = make_release(
        env, artifact=agent.artifact, artifact_digest=agent.digest, commit=DEPLOYED_SHA
    )
    at = T0 + timedelta(days=index, hours=len(agent.name))
    approvers = ("kim",) if env.name == "prod" else ()
    return Deployment(
        agent=agent.name,
        environment=env.name,
        seq=1,
        status=Status.SUCCEEDED,
        artifact_digest=agent.digest,
        deployment_digest=release.deployment_digest,
        config_digest=config_digest(APPROVED),
        commit=DEPLOYED_SHA,
        pull_request=31,
        actor="deploy-bot",
        approvers=approvers,
        started_at=at,
        finished_at=at + timedelta(minutes=2),
    )


def eval_report(
    environment: str,
    agents: Sequence[Mapping[str, Any]],
) -> tuple[EvalResult, ...]:
    """Results as read from a report shaped like `agentcd eval --format json` output."""
    data = {"report_version": 1, "verdict": "pass", "environment": environment, "agents": agents}
    return read_eval_report(data, source=f"eval-{environment}.json")


def eval_agent(
    name: str,
    digest: str,
    *,
    verdict: str = "pass",
    outcomes: Sequence[tuple[str, str, str | None]] = (),
    reasons: Sequence[str] = (),
) -> dict[str, Any]:
    """One agent's entry; `outcomes` are (case id, head outcome, base outcome)."""
    passed = sum(o == "pass" for _, o, _ in outcomes)
    failed = sum(o == "fail" for _, o, _ in outcomes)
    new = [f"suite/{c}" for c, o, b in outcomes if o == "fail" and b == "pass"]
    fixed = [f"suite/{c}" for c, o, b in outcomes if o == "pass" and b == "fail"]
    return {
        "name": name,
        "verdict": verdict,
        "reasons": list(reasons),
        "digest": digest,
        "base_digest": "sha256:" + "b" * 64,
        "summary": {
            "cases": len(outcomes),
            "passed": passed,
            "failed": failed,
            "errored": len(outcomes) - passed - failed,
            "pass_rate": passed / max(1, passed + failed),
            "wilson_95": list(wilson_interval(passed, passed + failed) or (0, 0)),
        },
        "paired": {"paired": len(outcomes), "new_failures": new, "fixed": fixed},
        "cases": [
            {"suite": "suite", "id": c, "outcome": o, "base_outcome": b} for c, o, b in outcomes
        ],
    }


def digest_of(files: Mapping[str, bytes], agent: str) -> str:
    loaded = snapshot(files, HEAD_SHA).workspace.agent(agent)
    assert loaded is not None, agent
    return loaded.digest


def comment(view: PlanView, options: CommentOptions | None = None) -> str:
    """The whole comment as posted: marker line, then the body."""
    marker = Marker(kind="plan", change=view.change or 1, head=HEAD_SHA, run=812)
    return with_marker(marker, render_markdown(view, options))
