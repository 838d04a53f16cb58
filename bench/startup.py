"""Startup benchmark: how long `agentcd --version` and `agentcd diff --help` take as processes.

    python -m bench.startup [--runs N]

Goal: `agentcd --version` in at most 150 ms (median of 20 runs). `diff --help` imports the
command's modules (the definition schemas, the diff engine) and shows what a command pays
before doing any work. Exit 1 when the goal is missed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.measure import agentcd_argv, measure, print_table

GOAL_VERSION_S = 0.150


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per command")
    args = parser.parse_args(argv)
    agentcd, here = agentcd_argv(), Path.cwd()
    version = measure("agentcd --version", [*agentcd, "--version"], cwd=here, runs=args.runs)
    diff_help = measure(
        "agentcd diff --help", [*agentcd, "diff", "--help"], cwd=here, runs=args.runs
    )
    bare = measure("python -c pass", [sys.executable, "-c", "pass"], cwd=here, runs=args.runs)
    print_table([bare, version, diff_help])
    ok = version.median <= GOAL_VERSION_S
    print(
        f"{'ok  ' if ok else 'FAIL'}  agentcd --version: median <= {GOAL_VERSION_S * 1000:.0f} ms"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
