"""Scale benchmark: `agentcd diff` and `agentcd build --rev` on a generated 500-agent repository.

Generates the repository (500 agents of 20 KB instructions, 10 tools, 3 skills; 50 changed
between two commits), then times whole processes, taking turns (wall time, best and median of N
runs, the child's peak RSS) against a bare reader of the same blobs (`bench/bare_read.py`).

    python -m bench.scale [--quick] [--runs N] [--repo DIR]

Goals at full size: diff at most 1.5 s wall and 150 MB peak RSS, and at most 2.5x the bare
reader. Goals are judged on the best run (the least disturbed by other load); exit 1 if one
fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bench.genrepo import FULL, QUICK, BenchRepo, Size, generate, open_repo
from bench.measure import Stats, agentcd_argv, measure_interleaved, print_table

GOAL_WALL_S = 1.5
GOAL_RSS_MB = 150.0
GOAL_RATIO = 2.5
BARE_READ = Path(__file__).with_name("bare_read.py")


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    size = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="agentcd-bench-") as tmp:
        repo = _open_repo(args.repo or Path(tmp) / "repo", size)
        print(f"repository {repo.path}: {len(repo.changed)} agents changed")
        return _bench(repo, runs=args.runs, judge=not args.quick)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 agents instead of 500")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command")
    parser.add_argument(
        "--repo", type=Path, default=None, help="generate here once and reuse on later runs"
    )
    return parser.parse_args(argv)


def _open_repo(path: Path, size: Size) -> BenchRepo:
    return open_repo(path) if path.exists() else generate(path, size)


def _bench(repo: BenchRepo, *, runs: int, judge: bool) -> int:
    agentcd, a, b = agentcd_argv(), repo.base, repo.head
    commands = [
        ("bare read A+B", _bare(repo, a, b)),
        ("bare read B", _bare(repo, b)),
        ("build --rev B", [*agentcd, "build", "--rev", b, "--format", "json"]),
        ("diff A..B", [*agentcd, "diff", "--base", a, "--head", b, "--format", "json"]),
    ]
    bare_both, bare_head, build, diff = measure_interleaved(commands, cwd=repo.path, runs=runs)
    _check_diff(diff, repo.changed)
    ratios = {build.label: _ratio(build, bare_head), diff.label: _ratio(diff, bare_both)}
    print_table([bare_both, bare_head, build, diff], extra=ratios)
    return _verdict(diff, bare_both) if judge else 0


def _bare(repo: BenchRepo, *revs: str) -> list[str]:
    return [sys.executable, str(BARE_READ), str(repo.path), *revs]


def _check_diff(stats: Stats, expected: tuple[str, ...]) -> None:
    """The diff must name exactly the changed agents, or its timing means nothing."""
    report = json.loads(stats.runs[-1].out)
    found = sorted(a["name"] for a in report["agents"] if a["status"] != "unchanged")
    if found != sorted(expected):
        raise SystemExit(f"diff reported {found}, expected {sorted(expected)}")


def _ratio(stats: Stats, floor: Stats) -> str:
    return f"{stats.best / floor.best:.2f}x bare"


def _verdict(loaded: Stats, bare: Stats) -> int:
    checks = [
        (f"{loaded.label}: best wall <= {GOAL_WALL_S} s", loaded.best <= GOAL_WALL_S),
        (f"{loaded.label}: peak RSS <= {GOAL_RSS_MB:.0f} MB", loaded.max_rss_mb <= GOAL_RSS_MB),
        (f"{loaded.label}: <= {GOAL_RATIO}x bare read", loaded.best <= GOAL_RATIO * bare.best),
    ]
    for text, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
