"""The CI packaging follows its conventions: actionlint finds nothing, composite actions stay
thin and safe, workflows are least-privilege and pinned, GitLab components are well formed.

actionlint runs on a copy where the callers' `agentcd/agentcd/...@v1` references point at the
local files (the reusable workflows name our actions as `$/actions/...` already), so it checks
every `with:` against our actions' inputs and every caller's permissions against what the
reusable workflows' jobs need.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

ACTIONS = sorted((ROOT / "actions").glob("*/action.yml"))
ROOT_ACTION = ROOT / "action.yml"
REUSABLE = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CALLERS = sorted((ROOT / "workflows").glob("github-*.yml"))
TEMPLATES = sorted((ROOT / "templates").glob("*.yml"))
OURS = re.compile(r"agentcd/agentcd/(actions/[a-z-]+|\.github/workflows/[a-z-]+\.yml)@v1")
SELF = re.compile(r"\$/actions/[a-z-]+")  # GitHub's self-repository syntax
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
GLOBAL_KEYWORDS = {"default", "stages", "variables", "workflow", "include", "image", "services"}


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def find_actionlint() -> str | None:
    beside = Path(sys.executable).parent / "actionlint"
    return str(beside) if beside.exists() else shutil.which("actionlint")


@pytest.mark.skipif(
    find_actionlint() is None, reason="actionlint not found: install the test extra"
)
def test_actionlint_finds_nothing(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "actions", tmp_path / "actions")
    target = tmp_path / ".github" / "workflows"
    target.mkdir(parents=True)
    for path in [*REUSABLE, *CALLERS]:
        text = OURS.sub(lambda m: "./" + m.group(1), path.read_text(encoding="utf-8"))
        (target / path.name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    done = subprocess.run(
        [str(find_actionlint()), "-no-color"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def _run_steps(doc: Any) -> list[dict[str, Any]]:
    if "runs" in doc:
        return [s for s in doc["runs"]["steps"] if "run" in s]
    return [s for job in doc["jobs"].values() for s in job.get("steps", []) if "run" in s]


@pytest.mark.parametrize("path", [*ACTIONS, ROOT_ACTION, *REUSABLE], ids=_name)
def test_run_steps_use_bash_and_take_values_through_env(path: Path) -> None:
    for step in _run_steps(_load(path)):
        assert step.get("shell") == "bash", step
        assert "${{" not in step["run"], step["run"]


@pytest.mark.parametrize("path", [*ACTIONS, ROOT_ACTION], ids=_name)
def test_action_inputs_and_outputs_are_kebab_case_and_documented(path: Path) -> None:
    doc = _load(path)
    assert doc["runs"]["using"] == "composite" and doc["description"]
    for group in ("inputs", "outputs"):
        for name, spec in doc.get(group, {}).items():
            assert KEBAB.match(name), name
            assert spec.get("description"), f"{group}.{name} has no description"


@pytest.mark.parametrize("path", ACTIONS, ids=_name)
def test_actions_only_install_agentcd_and_run_one_command(path: Path) -> None:
    steps = _load(path)["runs"]["steps"]
    assert steps[0]["run"] == '"$GITHUB_ACTION_PATH/../install.sh"'
    runs = "\n".join(s.get("run", "") for s in steps[1:])
    assert len(re.findall(r"^\s*agentcd -C ", runs, re.MULTILINE)) == 1
    assert all("uses" not in s for s in steps)


def _uses(path: Path) -> list[str]:
    return re.findall(r"^\s*(?:- )?uses: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)


@pytest.mark.parametrize("path", [*ACTIONS, *REUSABLE], ids=_name)
def test_third_party_actions_are_pinned_by_sha_with_a_version(path: Path) -> None:
    for ref in _uses(path):
        assert SELF.fullmatch(ref) or PINNED.match(ref), ref


@pytest.mark.parametrize("path", CALLERS, ids=_name)
def test_callers_name_our_reusable_workflows_and_pin_the_rest(path: Path) -> None:
    for ref in _uses(path):
        assert OURS.fullmatch(ref) or PINNED.match(ref), ref


@pytest.mark.parametrize("path", REUSABLE, ids=_name)
def test_reusable_workflows_run_our_actions_from_their_own_commit(path: Path) -> None:
    """Pinning a reusable workflow by SHA pins every agentcd action it runs: they are named with
    the self-repository syntax (`$/actions/...`, the workflow's own repository and commit),
    never by a branch or tag."""
    text = path.read_text(encoding="utf-8")
    assert re.findall(r"uses:\s*agentcd/agentcd/actions/\S*", text) == []
    assert re.findall(r"uses:\s*\./\S*", text) == []  # ./ is the caller's workspace, not ours
    for ref in _uses(path):
        if "actions/" in ref and not ref.startswith("actions/"):
            assert SELF.fullmatch(ref), ref


@pytest.mark.parametrize("path", [*REUSABLE, *CALLERS], ids=_name)
def test_workflows_grant_nothing_by_default_and_limit_every_job(path: Path) -> None:
    doc = _load(path)
    assert doc["permissions"] == {}
    for name, job in doc["jobs"].items():
        assert "permissions" in job, name
        assert "uses" in job or "timeout-minutes" in job, name


# Steps that only move data: a checkout, an artifact, and the plan action, which parses the
# definitions as data and runs nothing from them (docs/hosts.md, "Fork pull requests").
DATA_ONLY = re.compile(
    r"actions/(checkout|upload-artifact|download-artifact)@[0-9a-f]{40}|\$/actions/plan"
)
SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository"


def _events(doc: Any) -> set[str]:
    on = doc.get(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return {on} if isinstance(on, str) else set(on)


def _pull_request_jobs() -> dict[tuple[str, str], dict[str, Any]]:
    """Every job that runs for a pull request and checks it out: the callers' jobs on
    `pull_request`, and the jobs of the reusable workflows they call."""
    jobs: dict[tuple[str, str], dict[str, Any]] = {}
    for path in [*CALLERS, *REUSABLE]:
        doc = _load(path)
        if not {"pull_request", "pull_request_target"} & _events(doc):
            continue
        for name, job in doc["jobs"].items():
            called = OURS.fullmatch(job.get("uses", ""))
            workflows = [(_load(ROOT / called.group(1)), called.group(1))] if called else []
            jobs |= {(where, n): j for d, where in workflows for n, j in d["jobs"].items()}
            jobs[(_name(path), name)] = job
    checks_out = "actions/checkout@"
    return {k: j for k, j in jobs.items() if any(checks_out in s.get("uses", "") for s in
                                                  j.get("steps", []))}  # fmt: skip


def _runs_pull_request_code(job: dict[str, Any]) -> bool:
    return any(not DATA_ONLY.fullmatch(step.get("uses", "")) for step in job["steps"])


def test_no_job_that_runs_pull_request_code_holds_a_token_that_can_write() -> None:
    """The head's code (agents, tools, eval suites) runs only in jobs whose token can only read,
    and no step there is handed a token or, on a fork's code, a secret; the job that comments
    runs nothing but data-only steps."""
    running = {k: j for k, j in _pull_request_jobs().items() if _runs_pull_request_code(j)}
    for where, job in running.items():
        assert set(job["permissions"].values()) <= {"read", "none"}, where
        for step in job["steps"]:
            text = yaml.safe_dump(step)
            assert "github.token" not in text and "secrets.GITHUB_TOKEN" not in text, step
            if "github-token" in step.get("with", {}):
                assert step["with"]["github-token"] == "", step
            guards = f"{job.get('if', '')} {step.get('if', '')}"
            assert "secrets." not in text or SAME_REPOSITORY in guards, step
    assert set(running) == {(".github/workflows/pull-request.yml", "eval")}
    writing = {k for k, j in _pull_request_jobs().items() if "write" in j["permissions"].values()}
    assert writing == {(".github/workflows/pull-request.yml", "plan")}
    assert writing.isdisjoint(running)


def test_each_deploy_job_is_protected_and_serialized_per_environment() -> None:
    jobs = _load(ROOT / ".github" / "workflows" / "deploy.yml")["jobs"]
    for i in range(3):
        job, env = jobs[f"deploy-{i + 1}"], f"${{{{ fromJSON(inputs.environments)[{i}] }}}}"
        assert job["environment"] == env
        assert job["concurrency"] == {
            "group": f"agentcd-deploy-${{{{ github.repository }}}}-{env}",
            "cancel-in-progress": False,
        }
        needs = job["needs"] if isinstance(job["needs"], list) else [job["needs"]]
        assert needs == (["build"] if i == 0 else ["build", f"brief-{i + 1}"])
        assert "environment" not in jobs.get(f"brief-{i + 1}", {})  # a brief never waits


def _component(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    header, body = path.read_text(encoding="utf-8").split("\n---\n")
    return yaml.safe_load(header), yaml.safe_load(body)


@pytest.mark.parametrize("path", TEMPLATES, ids=_name)
def test_components_declare_documented_inputs_and_no_global_keywords(path: Path) -> None:
    header, body = _component(path)
    for name, spec in header["spec"]["inputs"].items():
        assert KEBAB.match(name) and spec.get("description"), name
    assert not GLOBAL_KEYWORDS & set(body)
    jobs = {k: v for k, v in body.items() if not k.startswith(".")}
    assert jobs and all(k.startswith("$[[ inputs.job-prefix ]]-") for k in jobs)


PREFIX = "$[[ inputs.job-prefix ]]"
ENV = "$[[ inputs.environment ]]"


@pytest.mark.parametrize(
    ("path", "job", "action"),
    [
        ("deploy.yml", f"{PREFIX}-deploy-{ENV}", "start"),
        ("deploy.yml", f"{PREFIX}-brief-{ENV}", "prepare"),
        ("rollback.yml", f"{PREFIX}-rollback-{ENV}", "start"),
        ("drift.yml", f"{PREFIX}-drift-{ENV}", "verify"),
    ],
)
def test_environment_jobs_name_their_environment(path: str, job: str, action: str) -> None:
    body = _component(ROOT / "templates" / path)[1][job]
    assert body["environment"]["name"] == ENV
    assert body["environment"]["action"] == action
    if action == "start":  # a deployment: one at a time per environment, with its tier
        assert body["resource_group"] == f"agentcd-{ENV}"
        assert body["environment"]["deployment_tier"] == "$[[ inputs.deployment-tier ]]"


def test_a_manual_approval_blocks_the_pipeline_until_run() -> None:
    body = _component(ROOT / "templates" / "deploy.yml")[1][f"{PREFIX}-deploy-{ENV}"]
    manual = next(rule for rule in body["rules"] if rule.get("when") == "manual")
    assert manual == {
        "if": '$AGENTCD_APPROVAL == "manual"',
        "when": "manual",
        "allow_failure": False,
    }
