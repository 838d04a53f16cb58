"""Alias bombs and honest files: what `agentcd build` spends refusing one, accepting the other.

    python -m bench.alias_bomb [--runs N] [--cap-mb MB]

Each case is the example project (`examples/support-desk`) with `agents/faq-bot/agent.yaml`
replaced, built with `agentcd build --format json` as a whole process. The bombs are small
files that stand for huge documents through YAML aliases; they must be refused (exit 1) at
once. The honest files are the largest a definition can be: one at the 1 MiB size cap with no
aliases, and one whose aliases expand it to just under the limit of 8 MiB of text. Every
child's address space is capped at `--cap-mb` (a bomb that gets through fails, it does not
swap the machine). Goals: each bomb refused in at most 1 s and 100 MB peak RSS; each honest
file built (exit 0). Exit 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Run, agentcd_argv, run_once

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "support-desk"
AGENT = "agents/faq-bot/agent.yaml"
HEADER = (
    "apiVersion: agentcd.dev/v1\nkind: Agent\n"
    "metadata:\n  name: faq-bot\n  owners: [team-support]\n"
    "instructions: Answer briefly.\nmodel:\n  provider: openai\n  id: gpt-4.1-mini-2025-04-14\n"
)
GOAL_BOMB_S = 1.0
GOAL_BOMB_MB = 100.0


def string_bomb() -> str:
    """760 KB: one 700 KB string named 15,000 times (10 GB of text once written out)."""
    aliases = ", ".join(["*a"] * 15_000)
    return HEADER.replace("owners:", 'description: &a "' + "A" * 700_000 + '"\n  owners:') + (
        f"  parameters:\n    stop: [{aliases}]\n"
    )


def merge_bomb() -> str:
    """A mapping of 40,000 keys merged into 10,000 others (each merge copies its entries)."""
    keys = "".join(f"      k{i}: 1\n" for i in range(40_000))
    merges = "      - {<<: *b}\n" * 10_000
    return HEADER + "  parameters:\n    x: &b\n" + keys + "    y:\n" + merges


def billion_laughs() -> str:
    """Ten levels of nine aliases each: 3.5 billion strings from under 1 KB."""
    lines = ['    l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n']
    for i in range(1, 10):
        lines.append(f"    l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n")
    return HEADER + "  parameters:\n" + "".join(lines)


def honest_large() -> str:
    """Just under the 1 MiB cap, no aliases: 80 tools with 100 described arguments each."""
    tools = []
    for t in range(80):
        props = "".join(
            f"          arg_{p}: {{type: string, description: 'Argument {p} of tool {t}, "
            "which the model fills in from the conversation.'}\n"
            for p in range(100)
        )
        tools.append(
            f"  - name: tool_{t}\n    type: function\n    description: Tool number {t}.\n"
            f"    input_schema:\n      type: object\n      properties:\n{props}"
        )
    return HEADER + "tools:\n" + "".join(tools)


def honest_aliased() -> str:
    """A 1.04 MB string named 8 more times: aliases add 8.32 MB, just under the 8 MiB limit."""
    text = HEADER.replace("owners:", 'description: &a "' + "A" * 1_040_000 + '"\n  owners:')
    return text + "  parameters:\n    stop: [" + ", ".join(["*a"] * 8) + "]\n"


@dataclass(frozen=True)
class Case:
    label: str
    make: Callable[[], str]
    code: int  # the exit code expected: 1 refused, 0 built


CASES = (
    Case("string alias bomb", string_bomb, 1),
    Case("merge-key bomb", merge_bomb, 1),
    Case("billion laughs", billion_laughs, 1),
    Case("honest, 1 MiB, no aliases", honest_large, 0),
    Case("honest, aliases add 8.3 MB", honest_aliased, 0),
)


def run_case(case: Case, *, work: Path, runs: int, cap_mb: int) -> tuple[int, list[Run]]:
    project = work / case.label.replace(" ", "-").replace(",", "")
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".agentcd"))
    text = case.make()
    (project / AGENT).write_text(text, encoding="utf-8")
    argv = [*agentcd_argv(), "build", "--agent", "faq-bot", "--format", "json"]
    run_once(argv, cwd=project, max_memory_mb=cap_mb, quiet=True)  # warm-up: page cache, byte code
    return len(text.encode()), [
        run_once(argv, cwd=project, max_memory_mb=cap_mb, quiet=True) for _ in range(runs)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case")
    parser.add_argument("--cap-mb", type=int, default=4096, help="address space per child")
    args = parser.parse_args(argv)
    ok = True
    print(f"{'case':<27}  {'file KB':>7}  {'exit':>4}  {'best s':>6}  {'peak RSS MB':>11}  goal")
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            size, runs = run_case(case, work=Path(tmp), runs=args.runs, cap_mb=args.cap_mb)
            best = min(r.wall for r in runs)
            rss = max(r.max_rss_mb for r in runs)
            codes = {r.code for r in runs}
            met = codes == {case.code}
            if case.code == 1:
                met = met and best <= GOAL_BOMB_S and rss <= GOAL_BOMB_MB
            ok = ok and met
            code = "/".join(str(c) for c in sorted(codes))
            print(
                f"{case.label:<27}  {size / 1000:7.0f}  {code:>4}  {best:6.3f}  {rss:11.1f}  "
                f"{'ok' if met else 'FAIL'}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
