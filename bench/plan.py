"""Plan benchmarks: API requests per sticky-comment run, and `agentcd plan` at scale.

1. Requests per `agentcd plan --comment` on a pull request (GitHub) / merge request (GitLab)
   that already has 250 comments, against the fake APIs of the host-adapter tests (payloads
   shaped like the hosts' documentation): the first run (create), a run after a push that
   changes the plan (update), and a run with nothing new (unchanged). Goal: at most 4, and
   reads only when unchanged.
2. Wall time of `agentcd plan` on the generated 500-agent repository (`bench/genrepo.py`: 50
   agents changed between two commits), every agent deployed to dev, test and prod in a
   local SQLite ledger with the `file` platform. Goal: at most 2 s (best of N runs).

    python -m bench.plan [--quick] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.genrepo import FULL, QUICK, BenchRepo, generate
from bench.measure import agentcd_argv, measure, print_table

GOAL_REQUESTS = 4
GOAL_WALL_S = 2.0
EXISTING = 250
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "support-desk"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 agents instead of 500")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of `agentcd plan`")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="agentcd-bench-plan-") as tmp:
        ok = bench_requests(Path(tmp) / "requests")
        ok = bench_scale(Path(tmp) / "scale", quick=args.quick, runs=args.runs) and ok
    return 0 if ok else 1


# ---------------------------------------------------------------- API requests


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.invalid"}
    env |= {"GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@example.invalid"}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, check=True)
    return done.stdout.decode().strip()


def example_repo(path: Path) -> tuple[str, str, str]:
    """The example project, deployed to dev at its first commit; two later pushes."""
    shutil.copytree(EXAMPLE, path, ignore=shutil.ignore_patterns(".agentcd"))
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    base = git(path, "rev-parse", "HEAD")
    from agentcd.cli import main as agentcd

    with open(os.devnull, "w") as sink:
        saved, sys.stdout = sys.stdout, sink
        try:
            assert agentcd(["-C", str(path), "promote", "--env", "dev"]) == 0
        finally:
            sys.stdout = saved
    heads = []
    for old, new in (
        ("temperature: 0.2", "temperature: 0.3"),
        ("approval: never", "approval: always"),
    ):
        triage = path / "agents" / "support-triage" / "agent.yaml"
        triage.write_text(triage.read_text().replace(old, new))
        git(path, "commit", "-q", "-am", f"{old} -> {new}")
        heads.append(git(path, "rev-parse", "HEAD"))
    return base, heads[0], heads[1]


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def bench_requests(work: Path) -> bool:
    import responses
    from tests.adapters.hosts.fake_github import REPO, FakeGitHub
    from tests.adapters.hosts.fake_gitlab import API, HUMAN, PROJECT, FakeGitLab

    work.mkdir(parents=True)
    repo = work / "repo"
    base, first, second = example_repo(repo)
    rows: list[tuple[str, str, Counter[str]]] = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        github = FakeGitHub(rsps).install()
        github.add_comments(42, EXISTING)
        runs = (("create", first), ("update", second), ("unchanged", second))
        for run, (label, head) in enumerate(runs, start=801):
            env = _github_env(work, REPO, base, head, run)
            rows.append(("GitHub", label, _run_plan(rsps, repo, env)))
    for host, author in (("GitLab", None), ("GitLab*", "project_6_bot_0f3c9a")):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            gitlab = FakeGitLab(rsps).install()
            for n in range(EXISTING):
                gitlab.add_note(7, f"Note {n}: looks good", author=HUMAN)
            for label, head in (("create", first), ("update", second), ("unchanged", second)):
                env = _gitlab_env(API, PROJECT, base, head, author)  # one pipeline id: no order
                rows.append((host, label, _run_plan(rsps, repo, env)))
    return _report_requests(rows)


def _run_plan(rsps: object, repo: Path, env: dict[str, str]) -> Counter[str]:
    from agentcd.cli import main as agentcd

    calls = rsps.calls  # type: ignore[attr-defined]
    before = len(calls)
    with environment(env), open(os.devnull, "w") as sink:
        saved, sys.stdout = sys.stdout, sink
        try:
            code = agentcd(["-C", str(repo), "plan", "--comment", "--output", os.devnull])
        finally:
            sys.stdout = saved
    assert code == 0, f"agentcd plan exited {code}"
    return Counter(str(c.request.method) for c in list(calls)[before:])


def _github_env(work: Path, repo: str, base: str, head: str, run: int) -> dict[str, str]:
    import json

    event = work / f"event-{head[:7]}.json"
    pull = {
        "number": 42,
        "base": {"sha": base},
        "head": {"sha": head, "label": "o:b", "repo": {"full_name": repo}},
    }
    event.write_text(json.dumps({"pull_request": pull}), encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": repo,
        "GITHUB_TOKEN": "ghs_" + "b" * 36,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_RUN_ID": str(run),  # grows with every run, as GitHub's does
    }


def _gitlab_env(api: str, project: str, base: str, head: str, author: str | None) -> dict[str, str]:
    return {
        **({"AGENTCD_COMMENT_AUTHOR": author} if author else {}),
        "GITLAB_CI": "true",
        "CI_API_V4_URL": api,
        "CI_PROJECT_PATH": project,
        "CI_MERGE_REQUEST_IID": "7",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
        "CI_COMMIT_SHA": head,
        "CI_PIPELINE_ID": "4001",
        "AGENTCD_GITLAB_TOKEN": "glpat-" + "b" * 20,
    }


def _report_requests(rows: list[tuple[str, str, Counter[str]]]) -> bool:
    print(f"API requests per `agentcd plan --comment`, {EXISTING} comments already on the change")
    print(f"{'host':<8} {'run':<10} {'total':>5}  {'goal':<6} by method")
    ok = True
    for host, label, counts in rows:
        total = sum(counts.values())
        met = _met(label, total, writes=total - counts.get("GET", 0))
        ok &= met is not False
        goal = "-" if met is None else "met" if met else "MISSED"
        print(f"{host:<8} {label:<10} {total:>5}  {goal:<6} {dict(sorted(counts.items()))}")
    print("GitLab*: AGENTCD_COMMENT_AUTHOR set, so no `GET /user`.")
    print(f"Goal: an update at most {GOAL_REQUESTS} requests, an unchanged plan reads only.\n")
    return ok


def _met(label: str, total: int, *, writes: int) -> bool | None:
    if label == "update":
        return total <= GOAL_REQUESTS
    if label == "unchanged":
        return writes == 0 and total <= GOAL_REQUESTS
    return None  # creating re-lists recent comments to converge with a racing run


# ---------------------------------------------------------------- plan at scale


def deploy_base(repo: BenchRepo) -> int:
    """Record and apply every base agent in dev, test and prod, as promote would have."""
    from agentcd.adapters.clock import utc_now
    from agentcd.adapters.source import GitTree
    from agentcd.core.definition.load import load_workspace
    from agentcd.core.deploy.drift import config_digest
    from agentcd.core.deploy.ledger import Deployment, Status
    from agentcd.core.deploy.release import make_release
    from agentcd.wiring import open_ledger, open_platform

    with GitTree(repo.path, repo.base) as tree:
        workspace = load_workspace(tree)
    project = workspace.project
    ledger = open_ledger(repo.path, project.ledger)
    count = 0
    for env in project.environments:
        platform = open_platform(repo.path, project, env.name)
        for agent in workspace.agents:
            release = make_release(
                env, artifact=agent.artifact, artifact_digest=agent.digest, commit=repo.base
            )
            rendered = platform.render(release)
            versions = platform.apply(rendered)
            now = utc_now()
            ledger.append(
                Deployment(
                    agent=agent.name, environment=env.name, seq=1, status=Status.SUCCEEDED,
                    artifact_digest=agent.digest, deployment_digest=release.deployment_digest,
                    config_digest=config_digest(rendered.config), bindings=dict(release.bindings),
                    commit=repo.base, actor="bench", platform_versions=dict(versions),
                    started_at=now, finished_at=now,
                )
            )  # fmt: skip
            count += 1
    return count


def bench_scale(work: Path, *, quick: bool, runs: int) -> bool:
    size = QUICK if quick else FULL
    repo = generate(work / "repo", size)
    deployed = deploy_base(repo)
    print(f"repository: {size.agents} agents, {len(repo.changed)} changed, {deployed} deployments")
    argv = [*agentcd_argv(), "plan", "--base", repo.base, "--head", repo.head, "--json", os.devnull]
    stats = measure("plan (md + json)", argv, cwd=repo.path, runs=runs)
    print_table([stats])
    met = stats.best <= GOAL_WALL_S
    print(f"goal: at most {GOAL_WALL_S} s wall (best): {'met' if met else 'MISSED'}")
    return met


if __name__ == "__main__":
    raise SystemExit(main())
