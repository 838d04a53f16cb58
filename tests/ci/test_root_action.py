"""The root action.yml: its run step executed as GitHub would (bash, inputs through `env:`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def run_step(
    tmp_path: Path, repo: Path, command: str, args: str = ""
) -> tuple[int, dict[str, str]]:
    step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "run")
    runner = tmp_path / "runner"
    runner.mkdir(exist_ok=True)
    output = tmp_path / "output"
    output.write_text("")
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(output),
        "COMMAND": command,
        "ARGS": args,
        "PROJECT_DIR": str(repo),
    }
    done = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return done.returncode, outputs


def test_the_install_step_uses_the_shared_installer() -> None:
    first = ACTION["runs"]["steps"][0]
    assert first["run"] == '"$GITHUB_ACTION_PATH/actions/install.sh"'
    assert (ROOT / "actions" / "install.sh").exists()


def test_a_command_runs_with_its_arguments_and_exports_its_json(tmp_path: Path, repo: Path) -> None:
    code, outputs = run_step(tmp_path, repo, "build", "--agent refund-bot")
    assert code == 0
    assert outputs["exit-code"] == "0"
    result = json.loads(Path(outputs["result"]).read_text())
    assert [b["name"] for b in result["bundles"]] == ["refund-bot"]


def test_a_decision_that_says_no_keeps_its_exit_code(tmp_path: Path, repo: Path) -> None:
    agent = repo / "agents" / "faq-bot" / "agent.yaml"
    agent.write_text(agent.read_text().replace("temperature: 0.3", "temperature: 0.4"))
    code, outputs = run_step(tmp_path, repo, "diff", "--base HEAD --exit-code")
    assert code == 2
    assert outputs["exit-code"] == "2"
    report = json.loads(Path(outputs["result"]).read_text())
    assert [a["name"] for a in report["agents"] if a["status"] == "changed"] == ["faq-bot"]
