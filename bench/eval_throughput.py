"""Eval throughput: 200 cases x 3 repeats against a loopback OpenAI-compatible server that
answers in 100 ms, at concurrency 16; agentcd's wall time against the ideal
ceil(600/16) x 0.1 s, its peak RSS, and the same suite through promptfoo.

    python -m bench.eval_throughput [--promptfoo PATH] [--cases 200] [--repeat 3]

promptfoo is optional: pass its binary (or have `promptfoo` on PATH); without it that part is
skipped with a message. Goals: ratio to ideal <= 1.15, peak RSS <= 200 MB, agentcd/promptfoo
<= 0.6. The comparison is of whole processes, start-up included; the ratio to the ideal is
printed both for the whole process and for the command after its imports.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from bench.measure import Run, agentcd_argv, run_once

ROOT = Path(__file__).resolve().parent.parent
MODEL = "gpt-4.1-mini-2025-04-14"
KEY = "test-key"  # what the loopback server accepts


@contextmanager
def loopback_server(latency_s: float) -> Iterator[str]:
    """The fake server in its own process, so its threads never compete with the measured one."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", "--latency", str(latency_s)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def write_project(folder: Path, base_url: str, *, cases: int, repeat: int) -> None:
    project = {
        "apiVersion": "agentcd.dev/v1",
        "kind": "Project",
        "environments": [{"name": "dev", "target": "local"}],
        "targets": {"local": {"platform": "file"}},
        "evals": {
            "targets": {
                "model": {"type": "openai", "base_url": base_url, "api_key_env": "BENCH_KEY"}
            },
            "retries": 0,
        },
    }
    agent = {
        "apiVersion": "agentcd.dev/v1",
        "kind": "Agent",
        "metadata": {"name": "bench"},
        "instructions": "Answer briefly.",
        "model": {"provider": "openai", "id": MODEL},
        "evals": ["suite.yaml"],
    }
    suite = {
        "apiVersion": "agentcd.dev/v1",
        "kind": "EvalSuite",
        "metadata": {"name": "throughput"},
        "cases": [
            {
                "id": f"case-{i:03d}",
                "input": f"Question {i}",
                "expect": [{"type": "contains", "value": "ok"}],
                "repeat": repeat,
            }
            for i in range(cases)
        ],
    }
    (folder / "agents" / "bench").mkdir(parents=True)
    (folder / "agentcd.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")
    (folder / "agents" / "bench" / "agent.yaml").write_text(yaml.safe_dump(agent), encoding="utf-8")
    (folder / "agents" / "bench" / "suite.yaml").write_text(yaml.safe_dump(suite), encoding="utf-8")


def eval_args(concurrency: int) -> list[str]:
    return ["eval", "--no-cache", "--concurrency", str(concurrency), "--output", "report.json"]


def run_agentcd(folder: Path, concurrency: int) -> Run:
    """The whole process: interpreter start, imports, loading, the run, the report."""
    run = run_once([*agentcd_argv(), *eval_args(concurrency), "--format", "json"], cwd=folder)
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    if run.code != 0 or report["run"]["trials_run"] == 0:
        raise SystemExit(f"agentcd eval exited {run.code}: {report['agents'][0]['reasons']}")
    return run


def time_in_process(folder: Path, concurrency: int) -> float:
    """The command alone (loading, the run, the report), after the imports are done."""
    import agentcd.commands.eval  # noqa: F401 - imported before the clock starts
    from agentcd.cli import main

    before = Path.cwd()
    os.chdir(folder)
    try:
        start = time.perf_counter()
        code = main(eval_args(concurrency))
        wall = time.perf_counter() - start
    finally:
        os.chdir(before)
    if code != 0:
        raise SystemExit(f"agentcd eval (in process) exited {code}")
    return wall


def write_promptfoo(folder: Path, base_url: str, *, cases: int) -> Path:
    config = {
        "description": "agentcd eval throughput comparison",
        "prompts": ["{{question}}"],
        "providers": [
            {"id": f"openai:chat:{MODEL}", "config": {"apiBaseUrl": base_url, "apiKey": KEY}}
        ],
        "tests": [
            {"vars": {"question": f"Question {i}"}, "assert": [{"type": "contains", "value": "ok"}]}
            for i in range(cases)
        ],
    }
    path = folder / "promptfooconfig.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def run_promptfoo(binary: str, folder: Path, config: Path, *, concurrency: int, repeat: int) -> Run:
    argv = [binary, "eval", "-c", str(config), "--no-cache", "-j", str(concurrency)]
    argv += ["--repeat", str(repeat), "--no-progress-bar", "--no-table", "-o", "out.json"]
    run = run_once(argv, cwd=folder)
    if run.code != 0:
        raise SystemExit(f"promptfoo eval exited {run.code}")
    return run


def _wall(run: Run) -> float:
    return run.wall


def find_promptfoo(given: str | None) -> str | None:
    if given:
        return given if Path(given).exists() else None
    return shutil.which("promptfoo")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.1, help="server seconds per call")
    parser.add_argument("--promptfoo", default=None, help="path to the promptfoo binary")
    parser.add_argument("--runs", type=int, default=3, help="agentcd runs; the best counts")
    args = parser.parse_args()
    calls = args.cases * args.repeat
    ideal = math.ceil(calls / args.concurrency) * args.latency
    os.environ["BENCH_KEY"] = KEY
    with loopback_server(args.latency) as base_url, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_project(folder, base_url, cases=args.cases, repeat=args.repeat)
        ours = min((run_agentcd(folder, args.concurrency) for _ in range(args.runs)), key=_wall)
        inner = min(time_in_process(folder, args.concurrency) for _ in range(args.runs))
        print(f"{calls} calls at {args.latency * 1000:.0f} ms, concurrency {args.concurrency}")
        print(f"ideal wall time          {ideal:7.2f} s")
        print(f"agentcd, whole process   {ours.wall:7.2f} s   ratio {ours.wall / ideal:.3f}")
        print(
            f"agentcd, after imports   {inner:7.2f} s   ratio {inner / ideal:.3f}  (goal <= 1.15)"
        )
        print(f"agentcd peak RSS         {ours.max_rss_mb:7.1f} MB  (goal <= 200)")
        binary = find_promptfoo(args.promptfoo)
        if binary is None:
            print("promptfoo: not installed, comparison skipped (pass --promptfoo PATH)")
            return
        os.environ.update(
            PROMPTFOO_DISABLE_TELEMETRY="1",
            PROMPTFOO_DISABLE_UPDATE="1",
            PROMPTFOO_CONFIG_DIR=str(folder / ".promptfoo"),
        )
        config = write_promptfoo(folder, base_url, cases=args.cases)
        theirs = run_promptfoo(
            binary, folder, config, concurrency=args.concurrency, repeat=args.repeat
        )
        print(
            f"promptfoo, whole process {theirs.wall:7.2f} s   peak RSS {theirs.max_rss_mb:.1f} MB"
        )
        print(f"agentcd / promptfoo      {ours.wall / theirs.wall:7.3f}  (goal <= 0.6)")


if __name__ == "__main__":
    main()
