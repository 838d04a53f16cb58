"""Promotion at scale with the `file` platform, as whole processes.

- `agentcd promote --env dev` of 50 agents built from the committed HEAD, with the SQLite
  ledger (goal: <= 3 s) and with the git ledger pushing to a local bare remote (goal: <= 10 s);
- `agentcd status` over 500 agents deployed to 3 environments (goal: <= 1 s).

    python bench/promote.py [--quick] [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import Stats, agentcd_argv, measure, print_table, run_once

GOALS = {"promote": 3.0, "promote-git": 10.0, "status": 1.0}
SQLITE_LEDGER = "ledger: {backend: sqlite, path: .agentcd/ledger.db}"
PROJECT = """\
apiVersion: agentcd.dev/v1
kind: Project
agents: ["agents/*/agent.yaml"]
environments:
  - {name: dev, target: local, bindings: {orders_api: "http://127.0.0.1:8081", kb: kb-dev}}
  - {name: test, target: local, bindings: {orders_api: "https://orders.test", kb: kb-test}}
  - {name: prod, target: local, bindings: {orders_api: "https://orders", kb: kb-prod}}
targets:
  local: {platform: file, path: .agentcd/deployed}
ledger: {backend: sqlite, path: .agentcd/ledger.db}
"""
AGENT = """\
apiVersion: agentcd.dev/v1
kind: Agent
metadata: {{name: {name}, owners: [team-{team}], description: Benchmark agent {n}}}
instructions: |
{instructions}
model: {{provider: openai, id: gpt-4.1-2025-04-14, parameters: {{temperature: 0.2}}}}
tools:
  - {{name: lookup_order, type: function, binding: orders_api, side_effects: false,
     input_schema: {{type: object, properties: {{number: {{type: string}}}}}}}}
  - {{name: route_ticket, type: function, side_effects: true, approval: never}}
knowledge:
  - {{name: policies, type: vector_store, binding: kb, version: "2026-10-01"}}
"""


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def write_project(root: Path, agents: int) -> Path:
    """A committed repository with `agents` agents of about 2 KB of instructions each."""
    root.mkdir(parents=True)
    (root / "agentcd.yaml").write_text(PROJECT)
    for n in range(agents):
        name = f"agent-{n:04d}"
        lines = [f"  Rule {i} for {name}: answer politely and cite the policy." for i in range(36)]
        folder = root / "agents" / name
        folder.mkdir(parents=True)
        text = AGENT.format(name=name, team=n % 7, n=n, instructions="\n".join(lines))
        (folder / "agent.yaml").write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "benchmark agents")
    return root


def bench_promote(work: Path, agents: int, runs: int) -> Stats:
    """Each run promotes every agent into an empty dev, in a fresh copy of the repository."""
    template = write_project(work / "promote-template", agents)
    argv = [*agentcd_argv(), "promote", "--env", "dev", "--format", "json"]
    timed = []
    for i in range(runs + 1):  # the first run warms caches and is not counted
        copy = work / f"promote-{i}"
        shutil.copytree(template, copy)
        run = run_once(argv, cwd=copy)
        if run.code != 0:
            raise SystemExit(f"promote exited {run.code}")
        if i:
            timed.append(run)
    return Stats(f"promote {agents} agents to dev", tuple(timed))


def bench_promote_git(work: Path, agents: int, runs: int) -> Stats:
    """The same promotion with `ledger: {backend: git}`: every run pushes to a fresh bare
    `origin`, one commit for the claims and one for the outcomes."""
    template = write_project(work / "promote-git-template", agents)
    config = template / "agentcd.yaml"
    config.write_text(config.read_text().replace(SQLITE_LEDGER, "ledger: {backend: git}"))
    git(template, "commit", "-q", "-am", "the git ledger")
    argv = [*agentcd_argv(), "promote", "--env", "dev", "--format", "json"]
    timed = []
    for i in range(runs + 1):  # the first run warms caches and is not counted
        copy, remote = work / f"promote-git-{i}", work / f"origin-{i}.git"
        shutil.copytree(template, copy)
        git(work, "init", "-q", "--bare", str(remote))
        git(copy, "remote", "add", "origin", str(remote))
        run = run_once(argv, cwd=copy)
        if run.code != 0:
            raise SystemExit(f"promote (git ledger) exited {run.code}")
        if i:
            timed.append(run)
    return Stats(f"promote {agents} agents to dev, git ledger", tuple(timed))


def bench_status(work: Path, agents: int, runs: int) -> Stats:
    """`status` once every agent runs in dev, test and prod."""
    root = write_project(work / "status", agents)
    for env in ("dev", "test", "prod"):
        done = run_once([*agentcd_argv(), "promote", "--env", env], cwd=root)
        if done.code != 0:
            raise SystemExit(f"promoting to {env} exited {done.code}")
    argv = [*agentcd_argv(), "status", "--format", "json"]
    return measure(f"status {agents} agents x 3 envs", argv, cwd=root, runs=runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 and 50 agents, for a smoke run")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    promote_n, status_n = (10, 50) if args.quick else (50, 500)
    with tempfile.TemporaryDirectory(prefix="agentcd-bench-") as tmp:
        work = Path(tmp)
        rows = [
            bench_promote(work, promote_n, args.runs),
            bench_promote_git(work, promote_n, args.runs),
            bench_status(work, status_n, args.runs),
        ]
    verdicts = {}
    for row, goal in zip(rows, GOALS.values(), strict=True):
        verdicts[row.label] = f"goal <= {goal:.1f} s: {'met' if row.median <= goal else 'MISSED'}"
    print_table(rows, extra=verdicts)
    print(
        f"per agent promoted: {statistics.median(r.wall for r in rows[0].runs) / promote_n:.3f} s"
    )


if __name__ == "__main__":
    main()
