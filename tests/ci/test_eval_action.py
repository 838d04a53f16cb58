"""actions/eval: its `Evaluate` step run as GitHub would (bash, inputs through `env:`), with the
agentcd installed here, on the example: the outputs come from the CLI's JSON report, and runs
in one job keep their own files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from agentcd.adapters.ledger.sqlite import SqliteLedger
from tests.conftest import ROOT


def evaluate_step() -> dict[str, Any]:
    steps = yaml.safe_load((ROOT / "actions" / "eval" / "action.yml").read_text())["runs"]["steps"]
    step: dict[str, Any] = next(s for s in steps if s.get("id") == "eval")
    return step


def run_step(tmp_path: Path, repo: Path, **inputs: str) -> tuple[int, dict[str, str], str]:
    runner = tmp_path / "runner"
    runner.mkdir(exist_ok=True)
    output, summary = tmp_path / "output", tmp_path / "summary"
    output.write_text("")
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(runner),
        "GITHUB_ACTION_PATH": str(ROOT / "actions" / "eval"),  # the runner sets it
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "ENVIRONMENT": inputs.get("environment", "test"),
        "AGENTS": inputs.get("agents", ""),
        "TARGET": inputs.get("target", ""),
        "BASE": inputs.get("base", ""),
        "RECORD": inputs.get("record", "false"),
        "PROJECT_DIR": str(repo),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", evaluate_step()["run"]], env=env, capture_output=True, text=True
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return done.returncode, outputs, summary.read_text() if summary.exists() else ""


def test_a_passing_gate_exports_its_verdict_and_files(tmp_path: Path, repo: Path) -> None:
    code, outputs, summary = run_step(tmp_path, repo, agents="faq-bot refund-bot", record="true")
    assert code == 0
    out = tmp_path / "runner" / "agentcd-eval-test"
    assert outputs == {
        "report": f"{out}.json",
        "junit": f"{out}.xml",
        "markdown": f"{out}.md",
        "exit-code": "0",
        "verdict": "pass",
    }
    assert Path(outputs["junit"]).read_text().startswith("<?xml")
    assert summary == Path(outputs["markdown"]).read_text()
    assert (repo / ".agentcd" / "ledger.db").exists()  # record: true


def test_a_regression_fails_the_step_with_the_reports_verdict(tmp_path: Path, repo: Path) -> None:
    path = repo / "agents" / "support-triage" / "instructions.md"
    path.write_text(path.read_text().replace("; never promise a refund yourself", ""))
    code, outputs, _ = run_step(tmp_path, repo, agents="support-triage", base="HEAD")
    assert (code, outputs["exit-code"], outputs["verdict"]) == (2, "2", "fail")


def test_the_deployed_agents_are_checked_and_recorded_beside_the_pre_apply_run(
    tmp_path: Path, repo: Path
) -> None:
    """The deploy workflow's two runs in one job: before promoting (the default target), then
    after (`platform:ENV`, recorded); then the same inputs again, as a re-run of the step."""
    promote = [sys.executable, "-m", "agentcd", "-C", str(repo), "promote", "--env", "dev"]
    code, before, _ = run_step(tmp_path, repo, environment="dev")
    subprocess.run(promote, capture_output=True, check=True)
    after = [run_step(tmp_path, repo, environment="dev", target="platform:dev", record="true")
             for _ in range(2)]  # fmt: skip
    out = tmp_path / "runner" / "agentcd-eval-dev"
    assert (code, before["report"]) == (0, f"{out}.json")
    assert [(c, o["verdict"], o["report"], o["junit"]) for c, o, _ in after] == [
        (0, "pass", f"{out}-platform-dev.json", f"{out}-platform-dev.xml"),
        (0, "pass", f"{out}-platform-dev-2.json", f"{out}-platform-dev-2.xml"),
    ]
    reports = [json.loads(Path(o["report"]).read_text()) for o in (before, after[0][1])]
    assert [r["target"] for r in reports] == [
        {"name": "demo", "type": "python"},
        {"name": "platform:dev", "type": "platform"},
    ]
    deployed = {a["name"]: a["digest"] for a in reports[1]["agents"]}
    recorded = SqliteLedger(repo / ".agentcd" / "ledger.db").evals()
    assert sorted((r.agent, r.artifact_digest, r.environment, r.target) for r in recorded) == [
        (agent, digest, "dev", "platform:dev")
        for agent, digest in sorted(deployed.items())
        for _ in range(2)
    ]


def test_the_token_reaches_agentcd_for_the_git_ledger() -> None:
    action = yaml.safe_load((ROOT / "actions" / "eval" / "action.yml").read_text())
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert evaluate_step()["env"]["GITHUB_TOKEN"] == "${{ inputs.github-token }}"


def test_an_error_exports_no_verdict(tmp_path: Path, repo: Path) -> None:
    code, outputs, _ = run_step(tmp_path, repo, target="nope")
    assert (code, outputs["exit-code"]) == (1, "1")
    assert "verdict" not in outputs
