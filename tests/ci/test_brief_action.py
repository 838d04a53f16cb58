"""actions/brief: its run step executed as GitHub would, with an `agentcd` that writes a hostile
brief; the brief reaches the job summary whole and the log inert."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from tests.conftest import ROOT
from tests.render.sinks import github_commands

ACTION = yaml.safe_load((ROOT / "actions" / "brief" / "action.yml").read_text(encoding="utf-8"))
# What a brief may quote from a fork's definitions; the last line has no newline.
BRIEF = (
    "# Approval brief for `prod`\n\n```diff\n"
    "+::warning::pwned\n::set-output name=a::b\n  ::add-mask::x\n##[error]e\n"
    "::stop-commands::guess\n::guess::\n::error::after a guessed token\n```\n"
    "::notice::last line"
)
FAKE_AGENTCD = """#!/usr/bin/env bash
while [ $# -gt 0 ]; do
  if [ "$1" = --output ]; then printf '%s' "$BRIEF" > "$2"; fi
  shift
done
"""


def run_step(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "brief")
    bin_dir, runner = tmp_path / "bin", tmp_path / "runner"
    bin_dir.mkdir()
    runner.mkdir()
    fake = bin_dir / "agentcd"
    fake.write_text(FAKE_AGENTCD)
    fake.chmod(0o755)
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "RUNNER_TEMP": str(runner),
        "GITHUB_ACTION_PATH": str(ROOT / "actions" / "brief"),  # the runner sets it
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "ENVIRONMENT": "prod",
        "BUNDLE": "bundles",
        "AGENTS": "",
        "PROJECT_DIR": ".",
        "BRIEF": BRIEF,
    }
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, check=False
    )
    return done, summary, output


def test_the_brief_in_the_log_is_fenced_so_no_line_of_it_is_a_command(tmp_path: Path) -> None:
    done, _, _ = run_step(tmp_path)
    assert done.returncode == 0, done.stderr
    first = done.stdout.split("\n", 1)[0]
    token = first.removeprefix("::stop-commands::")
    assert token.startswith("agentcd-") and len(token) > len("agentcd-") + 16
    assert github_commands(done.stdout) == ["stop-commands", token]
    assert BRIEF in done.stdout


def test_the_summary_gets_the_brief_unchanged(tmp_path: Path) -> None:
    done, summary, output = run_step(tmp_path)
    assert done.returncode == 0, done.stderr
    assert summary.read_text() == BRIEF
    brief = tmp_path / "runner" / "agentcd-brief-prod.md"
    assert output.read_text() == f"brief={brief}\n"
