"""Time a command as a whole process: wall time and the child's peak RSS, best and median of N.

Each run waits for its child with `os.wait4`, which reports that one child's resource usage
(peak RSS included) rather than the running maximum over every child so far.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    wall: float
    max_rss_mb: float
    code: int
    out: bytes


@dataclass(frozen=True)
class Stats:
    label: str
    runs: tuple[Run, ...]

    @property
    def best(self) -> float:
        return min(r.wall for r in self.runs)

    @property
    def median(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def max_rss_mb(self) -> float:
        return max(r.max_rss_mb for r in self.runs)


def agentcd_argv() -> list[str]:
    """The installed `agentcd` script beside this interpreter, else `python -m agentcd`."""
    script = Path(sys.executable).with_name("agentcd")
    if script.exists():
        return [str(script)]
    found = shutil.which("agentcd")
    return [found] if found else [sys.executable, "-m", "agentcd"]


def run_once(
    argv: Sequence[str], *, cwd: Path, max_memory_mb: int | None = None, quiet: bool = False
) -> Run:
    """Run `argv` to completion; stdout is kept, stderr passes through (unless `quiet`). With
    `max_memory_mb`, the child's address space is capped there (a runaway fails, not swaps)."""
    cap = None if max_memory_mb is None else functools.partial(_cap_memory, max_memory_mb)
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdout=out,
            stderr=subprocess.DEVNULL if quiet else None,
            stdin=subprocess.DEVNULL,
            preexec_fn=cap,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        data = out.read()
    # Linux reports ru_maxrss in kilobytes (macOS in bytes).
    scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024
    return Run(wall=wall, max_rss_mb=usage.ru_maxrss * scale, code=proc.returncode, out=data)


def _cap_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def measure(label: str, argv: Sequence[str], *, cwd: Path, runs: int, warmup: int = 1) -> Stats:
    """`warmup` untimed runs (page cache, .pyc), then `runs` timed ones; a failure stops it."""
    for _ in range(warmup):
        _check(label, run_once(argv, cwd=cwd))
    return Stats(label, tuple(_check(label, run_once(argv, cwd=cwd)) for _ in range(runs)))


def measure_interleaved(
    commands: Sequence[tuple[str, Sequence[str]]], *, cwd: Path, runs: int, warmup: int = 1
) -> list[Stats]:
    """Like `measure` for several commands, taking turns: load that comes and goes on a shared
    machine then weighs on each alike, which keeps their ratios honest."""
    timed: dict[str, list[Run]] = {label: [] for label, _ in commands}
    for round_ in range(warmup + runs):
        for label, argv in commands:
            run = _check(label, run_once(argv, cwd=cwd))
            if round_ >= warmup:
                timed[label].append(run)
    return [Stats(label, tuple(timed[label])) for label, _ in commands]


def _check(label: str, run: Run) -> Run:
    if run.code != 0:
        raise SystemExit(f"{label}: exited {run.code}")
    return run


def print_table(rows: Sequence[Stats], *, extra: dict[str, str] | None = None) -> None:
    """A fixed-width table: label, best, median, peak RSS (and one extra column if given)."""
    width = max(len(s.label) for s in rows)
    print(f"{'command':<{width}}  {'best s':>7}  {'median s':>8}  {'peak RSS MB':>11}  {'runs':>4}")
    for s in rows:
        note = f"  {extra[s.label]}" if extra and s.label in extra else ""
        print(
            f"{s.label:<{width}}  {s.best:7.3f}  {s.median:8.3f}  "
            f"{s.max_rss_mb:11.1f}  {len(s.runs):4d}{note}"
        )
