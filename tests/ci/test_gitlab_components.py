"""The GitLab components end to end under `gitlab-ci-local`, on the example project.

The project includes `templates/deploy.yml` (dev, test, prod with a manual approval),
`rollback.yml` and `drift.yml` as local components at its own commit, exactly like the
example `workflows/gitlab-ci.yml` (rewritten only to point at the local components and to use
the agentcd already installed here). Jobs run on this machine with the shell executor, each in
its own copy of the repository, and share the ledger through a branch of a bare repository
(`ledger: {backend: git}`). Protected environments and approval rules are not emulated, so the
first release goes to prod with `approval: protected` against a loopback fake of the
Deployments API (which reports who approved, and receives the deployments agentcd mirrors for
jobs GitLab has none for), the second with the `when: manual` fallback, played by a named user.
After each deploy job a verify job checks what the environment runs and records the verdict; a
second project, whose deployed service answers badly, shows a failed check stopping the
pipeline after dev.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from agentcd.adapters.ledger.git import GitLedger
from agentcd.adapters.ledger.protocol import Ledger
from agentcd.core.deploy.ledger import Deployment, EvalRecord, Kind, Status
from agentcd.core.evals.verdict import Verdict
from tests.adapters.platforms.bedrock.conftest import (
    BINDINGS,
    DEFINITION,
    INSTRUCTIONS,
    ORDERS_SPEC,
    ROLE,
)
from tests.adapters.platforms.bedrock.fake import FakeBedrock
from tests.adapters.platforms.bedrock.server import Cloud
from tests.adapters.platforms.bedrock.server import serve as serve_cloud
from tests.ci.fake_gitlab import JOB_TOKEN, FakeGitLab, serve
from tests.conftest import EXAMPLE, ROOT, git

# Read before the autouse fixture clears AGENTCD_* variables.
OVERRIDE = os.environ.get("AGENTCD_TEST_GITLAB_CI_LOCAL")
BESIDE = ROOT / ".ci" / "node_modules" / ".bin" / "gitlab-ci-local"
ENVIRONMENTS = ("dev", "test", "prod")
DEPLOY_JOBS = ("agentcd-build", "agentcd-deploy-dev", "agentcd-verify-dev", "agentcd-deploy-test",
               "agentcd-verify-test", "agentcd-brief-prod", "agentcd-deploy-prod",
               "agentcd-verify-prod")  # fmt: skip


def find_gitlab_ci_local() -> str | None:
    """From $AGENTCD_TEST_GITLAB_CI_LOCAL, `.ci/node_modules` (`.ci/run` installs it), or PATH."""
    if OVERRIDE:
        return OVERRIDE
    return str(BESIDE) if BESIDE.exists() else shutil.which("gitlab-ci-local")


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_gitlab_ci_local() is None,
        reason="gitlab-ci-local not found: run `npm ci --prefix .ci`, or set "
        "AGENTCD_TEST_GITLAB_CI_LOCAL",
    ),
    pytest.mark.skipif(shutil.which("rsync") is None, reason="gitlab-ci-local needs rsync"),
]


@dataclass(frozen=True)
class Pipeline:
    code: int
    output: str

    def results(self) -> dict[str, str]:
        """`PASS`, `WARN` or `FAIL` per job, from the summary gitlab-ci-local prints."""
        found = re.findall(r"^ (PASS|WARN|FAIL) +(agentcd-[\w-]+)", self.output, re.MULTILINE)
        return {job: result for result, job in found}

    def position(self, job: str, event: str) -> int:
        match = re.search(rf"^{re.escape(job)} +{event}", self.output, re.MULTILINE)
        assert match is not None, f"{job} never logged {event!r}"
        return match.start()

    def job_output(self, job: str) -> str:
        prefix = re.compile(rf"^{re.escape(job)} +> ?(.*)$", re.MULTILINE)
        return "\n".join(prefix.findall(self.output))


class Project:
    """The example project as a GitLab repository using the components at its own commit."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / "project"
        self.state = root / "state"
        self.state.mkdir(parents=True)
        shutil.copytree(EXAMPLE, self.path, ignore=shutil.ignore_patterns(".agentcd"))
        shutil.copytree(ROOT / "templates", self.path / "templates")
        config = self.path / "agentcd.yaml"
        text = config.read_text(encoding="utf-8")
        text = text.replace("path: .agentcd/deployed", f"path: {self.state / 'deployed'}")
        sqlite = "ledger: {backend: sqlite, path: .agentcd/ledger.db}"
        assert sqlite in text
        text = text.replace(sqlite, f"ledger: {{backend: git, remote: {self.ledger}}}")
        config.write_text(text, encoding="utf-8")
        git(self.state, "init", "-q", "--bare", str(self.ledger))
        self.use_prod_approval("protected")
        ignored = ".agentcd/\n.gitlab-ci-local/\n__pycache__/\nagentcd-*\n"
        (self.path / ".gitignore").write_text(ignored, encoding="utf-8")
        git(self.path, "init", "-q", "-b", "main")
        git(self.path, "remote", "add", "origin", "https://gitlab.example.com/support/desk.git")
        self.commit("Merge branch 'agents' into 'main'\n\nSee merge request support/desk!42")

    @property
    def ledger(self) -> Path:
        """The bare repository whose `agentcd-ledger` branch every job records to."""
        return self.state / "ledger.git"

    def open_ledger(self) -> Ledger:
        return GitLedger.open(self.path, remote=str(self.ledger), branch="agentcd-ledger")

    def use_prod_approval(self, mode: str) -> None:
        pipeline = _local_pipeline(mode)
        (self.path / ".gitlab-ci.yml").write_text(pipeline, encoding="utf-8")

    def commit(self, message: str) -> None:
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "-m", message)

    def run(self, *args: str) -> Pipeline:
        tool = find_gitlab_ci_local()
        assert tool is not None
        env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(self.root),
        }
        done = subprocess.run(
            [tool, "--force-shell-executor", "--shell-isolation", "--no-color", *args],
            cwd=self.path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
        )
        return Pipeline(done.returncode, done.stdout)

    def build_digests(self) -> dict[str, str]:
        done = subprocess.run(
            [sys.executable, "-m", "agentcd", "-C", str(self.path), "build", "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
        )
        return {b["name"]: b["digest"] for b in json.loads(done.stdout)["bundles"]}


def _local_pipeline(prod_approval: str) -> str:
    """workflows/gitlab-ci.yml, using the local components and the agentcd on PATH."""
    text = (ROOT / "workflows" / "gitlab-ci.yml").read_text(encoding="utf-8")
    text = text.replace("$CI_SERVER_FQDN/agentcd/agentcd/", "$CI_SERVER_FQDN/$CI_PROJECT_PATH/")
    text = text.replace("@1.0.0", "@$CI_COMMIT_SHA")
    pipeline = yaml.safe_load(text)
    for include in pipeline["include"]:
        include["inputs"]["agentcd-package"] = "none"
        if include["component"].endswith("/rollback@$CI_COMMIT_SHA"):
            include["inputs"]["agent"] = "support-triage"
        if include["inputs"].get("approval"):
            include["inputs"]["approval"] = prod_approval
    return yaml.safe_dump(pipeline, sort_keys=False)


def run_by_hand(environment: str, user: str, project: Project) -> tuple[str, ...]:
    """What GitLab sets in a manual job that `user` runs: CI_JOB_MANUAL, and GITLAB_USER_LOGIN
    as that user instead of the pipeline's (gitlab-ci-local sets neither per job, so they are
    variables scoped to the job's environment, in a file git ignores beside the pipeline)."""
    name = f"agentcd-manual-{environment}-{user}.yml"  # gitlab-ci-local reads it from its cwd
    scoped = {
        "CI_JOB_MANUAL": {"values": {environment: "true"}},
        "GITLAB_USER_LOGIN": {"values": {environment: user}},
    }
    (project.path / name).write_text(yaml.safe_dump(scoped), encoding="utf-8")
    return ("--variables-file", name)


def edit_prod_by_hand(project: Project) -> None:
    live = project.state / "deployed" / "prod" / "support-triage.json"
    config = json.loads(live.read_text(encoding="utf-8"))
    config["agent"]["instructions"] += "\nAlways offer a discount.\n"
    live.write_text(json.dumps(config), encoding="utf-8")


@dataclass(frozen=True)
class Story:
    project: Project
    gitlab: FakeGitLab
    first: Pipeline
    first_digests: dict[str, str]
    first_dotenv: str
    second: Pipeline
    second_dotenv: str
    second_digests: dict[str, str]
    history_before_rollback: tuple[Deployment, ...]
    evals: tuple[EvalRecord, ...]
    prod_check: bytes  # the verify job's JSON report artifact, second release
    drift: Pipeline
    rollback: Pipeline
    history: tuple[Deployment, ...]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    project = Project(tmp_path_factory.mktemp("gitlab"))
    gitlab = FakeGitLab()
    gitlab.approve(4242, "prod", "rui")
    with serve(gitlab):

        def run(job_id: int, *args: str) -> Pipeline:
            api = ("--variable", f"CI_API_V4_URL={gitlab.url}", "--variable", f"CI_JOB_ID={job_id}")
            token = ("--variable", f"CI_JOB_TOKEN={JOB_TOKEN}", "--variable", "CI_PROJECT_ID=77")
            # gitlab-ci-local sets GITLAB_CI=false; GitLab itself sets it to true.
            return project.run(*api, *token, "--variable", "GITLAB_CI=true", *args)

        first = run(4242)
        first_dotenv = (project.path / "agentcd-build.env").read_text(encoding="utf-8")
        first_digests = project.build_digests()
        instructions = project.path / "agents" / "support-triage" / "instructions.md"
        instructions.write_text(instructions.read_text() + "\nSign every answer.\n")
        project.use_prod_approval("manual")
        project.commit("Sign answers\n\nSee merge request support/desk!43")
        second = run(4343, *run_by_hand("prod", "ana", project), "--manual", "agentcd-deploy-prod")
        second_dotenv = (project.path / "agentcd-build.env").read_text(encoding="utf-8")
        before, evals = project.open_ledger().history(), project.open_ledger().evals()
        prod_check = (project.path / "agentcd-verify-prod.json").read_bytes()
        edit_prod_by_hand(project)
        drift = run(4444, "--variable", "CI_PIPELINE_SOURCE=schedule")
        rollback = run(4545, *run_by_hand("prod", "lee", project), "agentcd-rollback-prod")
    return Story(
        project=project,
        gitlab=gitlab,
        first=first,
        first_digests=first_digests,
        first_dotenv=first_dotenv,
        second=second,
        second_dotenv=second_dotenv,
        second_digests=project.build_digests(),
        history_before_rollback=before,
        evals=evals,
        prod_check=prod_check,
        drift=drift,
        rollback=rollback,
        history=project.open_ledger().history(),
    )


def test_the_deploy_components_run_in_promotion_order(story: Story) -> None:
    for pipeline in (story.first, story.second):
        assert pipeline.code == 0, pipeline.output[-3000:]
        assert pipeline.results() == dict.fromkeys(DEPLOY_JOBS, "PASS")
        order = [
            ("agentcd-build", "agentcd-deploy-dev"),
            ("agentcd-deploy-dev", "agentcd-verify-dev"),
            ("agentcd-verify-dev", "agentcd-deploy-test"),
            ("agentcd-deploy-test", "agentcd-verify-test"),
            ("agentcd-verify-test", "agentcd-brief-prod"),
            ("agentcd-brief-prod", "agentcd-deploy-prod"),
            ("agentcd-deploy-prod", "agentcd-verify-prod"),
        ]
        for before, after in order:
            finished = pipeline.position(before, "finished in")
            assert finished < pipeline.position(after, "starting shell"), (before, after)


def test_the_digests_travel_by_dotenv_and_every_environment_runs_them(story: Story) -> None:
    pairs = " ".join(f"{n}={d}" for n, d in story.first_digests.items())
    # With the pipeline's user: in a manual job GITLAB_USER_LOGIN is whoever runs that job.
    assert story.first_dotenv == f"AGENTCD_DIGESTS={pairs}\nAGENTCD_TRIGGERED_BY=local\n"
    assert story.second_dotenv.endswith("\nAGENTCD_TRIGGERED_BY=local\n")
    first = {(r.agent, r.environment): r.artifact_digest for r in story.history_before_rollback
             if r.seq == 1}  # fmt: skip
    latest = {(r.agent, r.environment): r.artifact_digest for r in story.history_before_rollback}
    for digests, seen in ((story.first_digests, first), (story.second_digests, latest)):
        assert seen == {(a, env): d for a, d in digests.items() for env in ENVIRONMENTS}
    changed = {a for a in story.first_digests if story.first_digests[a] != story.second_digests[a]}
    assert changed == {"support-triage"}


def test_prod_records_who_approved_it_in_either_approval_mode(story: Story) -> None:
    prod = [r for r in story.history_before_rollback if r.environment == "prod"]
    by_release = {(r.agent, r.seq): (r.approvers, r.pull_request) for r in prod}
    assert by_release[("support-triage", 1)] == (("rui",), 42)  # protected: the Deployments API
    assert by_release[("support-triage", 2)] == (("ana",), 43)  # manual: who ran the job
    assert all(r.approvers == () for r in story.history_before_rollback if r.environment != "prod")
    read = [r for r in story.gitlab.requests if r[0] == "GET" and '["prod"]' in r[2]]
    assert read[0][1] == "/api/v4/projects/support%2Fdesk/deployments"
    assert [r for r in story.gitlab.requests if r[1].endswith("/deployments/101")] == [
        ("GET", "/api/v4/projects/support%2Fdesk/deployments/101", "{}", JOB_TOKEN)
    ]
    assert {r[3] for r in story.gitlab.requests} == {JOB_TOKEN}


def test_jobs_gitlab_has_no_deployment_for_are_mirrored_and_finished(story: Story) -> None:
    created = {d["id"]: d for d in story.gitlab.deployments.values() if d["deployable"] is None}
    # First pipeline: dev and test (prod's deployment is the job's own); second: all three
    # (the prod job of pipeline 4343 has none in the fake); the rollback of prod.
    assert sorted(d["environment"]["name"] for d in created.values()) == [
        "dev", "dev", "prod", "prod", "test", "test",
    ]  # fmt: skip
    assert {d["status"] for d in created.values()} == {"success"}


def test_the_brief_job_prints_what_prod_would_get(story: Story) -> None:
    brief = story.second.job_output("agentcd-brief-prod")
    assert "# Approval brief for `prod`" in brief
    assert "1 of 3 agents would change; `prod`'s gate requires an approval." in brief
    assert "You are approving the exact artifact that runs in **test**" in brief
    assert "+Sign every answer." in brief


def test_the_drift_component_warns_about_the_hand_edited_environment_only(story: Story) -> None:
    assert story.drift.results() == {
        "agentcd-drift-dev": "PASS",
        "agentcd-drift-test": "PASS",
        "agentcd-drift-prod": "WARN",
    }
    report = story.drift.job_output("agentcd-drift-prod")
    assert "| prod | support-triage | ⚠️ drifted |" in report


def test_the_rollback_component_restores_the_previous_release(story: Story) -> None:
    assert story.rollback.results() == {"agentcd-rollback-prod": "PASS"}
    latest = [r for r in story.history if r.environment == "prod"][-1]
    assert (latest.agent, latest.kind, latest.rollback_to) == ("support-triage", Kind.ROLLBACK, 1)
    assert latest.artifact_digest == story.first_digests["support-triage"]
    assert latest.approvers == ("lee",)
    live = story.project.state / "deployed" / "prod" / "support-triage.json"
    assert "Always offer a discount." not in live.read_text(encoding="utf-8")


def test_each_verify_job_records_a_check_of_what_its_environment_runs(story: Story) -> None:
    releases = (story.first_digests, story.second_digests)
    for env in ENVIRONMENTS:
        checks = [e for e in story.evals if e.target == f"platform:{env}"]
        assert sorted((e.agent, e.artifact_digest, e.environment, e.verdict) for e in checks) == (
            sorted((a, digest, env, Verdict.PASS) for d in releases for a, digest in d.items())
        )
        for check in checks:  # recorded after the deployment of the digest it checked
            applied = [r for r in story.history_before_rollback
                       if (r.environment, r.agent, r.artifact_digest)
                       == (env, check.agent, check.artifact_digest)]  # fmt: skip
            assert applied and check.recorded_at >= applied[0].finished_at  # type: ignore[operator]
    # The verify job's report is the artifact whose digest the ledger binds the verdict to.
    report = json.loads(story.prod_check)
    assert {a["name"]: a["digest"] for a in report["agents"]} == story.second_digests
    digest = "sha256:" + hashlib.sha256(story.prod_check).hexdigest()
    bound = {(e.agent, e.artifact_digest) for e in story.evals if e.report_digest == digest}
    assert bound == set(story.second_digests.items())


@dataclass(frozen=True)
class SelfApproved:
    pipeline: Pipeline
    history: tuple[Deployment, ...]


@pytest.fixture(scope="module")
def self_approved(tmp_path_factory: pytest.TempPathFactory) -> SelfApproved:
    """`approval: manual`, and the user whose push started the pipeline runs the prod job."""
    project = Project(tmp_path_factory.mktemp("gitlab-self-approval"))
    project.use_prod_approval("manual")
    project.commit("Approve prod by hand")
    with serve(FakeGitLab()) as gitlab:
        pipeline = project.run(
            *("--variable", f"CI_API_V4_URL={gitlab.url}", "--variable", "CI_JOB_ID=4646"),
            *("--variable", f"CI_JOB_TOKEN={JOB_TOKEN}", "--variable", "CI_PROJECT_ID=77"),
            *("--variable", "GITLAB_CI=true", "--variable", "GITLAB_USER_LOGIN=lee"),
            *run_by_hand("prod", "lee", project),
            *("--manual", "agentcd-deploy-prod"),
        )
    return SelfApproved(pipeline, project.open_ledger().history())


def test_whoever_started_the_pipeline_cannot_approve_prod_by_running_its_job(
    self_approved: SelfApproved,
) -> None:
    results = self_approved.pipeline.results()
    assert results["agentcd-deploy-test"] == "PASS" and results["agentcd-deploy-prod"] == "FAIL"
    assert "agentcd-verify-prod" not in results
    log = self_approved.pipeline.job_output("agentcd-deploy-prod")
    assert (
        "prod requires an approval by someone other than who started the run, and lee started it "
        "and is its only approver" in log
    )
    assert {r.environment for r in self_approved.history} == {"dev", "test"}


@dataclass(frozen=True)
class Outage:
    pipeline: Pipeline
    history: tuple[Deployment, ...]
    evals: tuple[EvalRecord, ...]
    built: dict[str, str]


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Outage:
    """The example, but what the `local` platform runs answers every request with an apology
    (a deployed service that is down behind its agent): the check before applying passes, the
    verify job after applying fails."""
    project = Project(tmp_path_factory.mktemp("gitlab-outage"))
    service = project.path / "app" / "down.py"
    service.write_text(
        '"""The deployed service, down: every answer is the same apology."""\n\n\n'
        "def respond_deployed(config, request):\n"
        '    return {"output": "Sorry, we cannot help right now."}\n',
        encoding="utf-8",
    )
    config = project.path / "agentcd.yaml"
    text = config.read_text(encoding="utf-8")
    assert "app.agent:respond_deployed" in text
    config.write_text(text.replace("app.agent:respond_deployed", "app.down:respond_deployed"))
    project.commit("Point the platform at the new service")
    pipeline = project.run("--variable", "GITLAB_CI=true")
    ledger = project.open_ledger()
    return Outage(pipeline, ledger.history(), ledger.evals(), project.build_digests())


def test_a_failed_verify_job_stops_the_pipeline_and_says_how_to_roll_back(
    outage: Outage,
) -> None:
    assert outage.pipeline.code != 0
    results = outage.pipeline.results()
    assert results["agentcd-deploy-dev"] == "PASS" and results["agentcd-verify-dev"] == "FAIL"
    assert not {"agentcd-deploy-test", "agentcd-deploy-prod"} & set(results), results
    assert {(r.environment, r.status) for r in outage.history} == {("dev", Status.SUCCEEDED)}
    checks = [e for e in outage.evals if e.target == "platform:dev"]
    assert {(e.agent, e.artifact_digest) for e in checks} == set(outage.built.items())
    assert {e.verdict for e in checks} == {Verdict.FAIL}
    log = outage.pipeline.job_output("agentcd-verify-dev")
    failing = "faq-bot refund-bot support-triage"
    assert f"dev failed its check after deployment (recorded in the ledger): {failing}" in log
    assert "run the agentcd-rollback-dev job (templates/rollback.yml) or:" in log
    assert "\n  agentcd rollback --env dev\n" in log
    only = "agentcd rollback --env dev --agent faq-bot --agent refund-bot --agent support-triage"
    assert only in log


def test_state_inside_the_checkout_stops_the_build_job_before_any_deploy(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A new project's `file` target deploys into `.agentcd/deployed`, in the job's checkout:
    the build job refuses (AC110) and says what to configure; nothing is deployed."""
    project = Project(tmp_path_factory.mktemp("gitlab-checkout-state"))
    config = project.path / "agentcd.yaml"
    text = config.read_text(encoding="utf-8")
    kept = f"path: {project.state / 'deployed'}"
    assert kept in text
    config.write_text(text.replace(kept, "path: .agentcd/deployed"), encoding="utf-8")
    project.commit("Deploy into the checkout")
    pipeline = project.run("--variable", "GITLAB_CI=true")
    assert pipeline.code != 0
    results = pipeline.results()
    assert results["agentcd-build"] == "FAIL", results
    assert not {job for job in results if job.startswith("agentcd-deploy-")}, results
    log = pipeline.job_output("agentcd-build")
    assert "targets.local.path: error AC110: target 'local' deploys into .agentcd/deployed" in log
    assert "deploy to a platform (platform: bedrock, ...)" in log
    assert project.open_ledger().history() == ()


AWS_ROLE = "arn:aws:iam::123456789012:role/agentcd-deploy"
AWS_SIGNED = re.compile(r"^AWS4-HMAC-SHA256 Credential=(\w+)/\d{8}/us-east-1/bedrock/aws4_request,")


@dataclass(frozen=True)
class OnBedrock:
    pipeline: Pipeline
    cloud: Cloud
    token: str
    history: tuple[Deployment, ...]


def _bedrock_project(project: Project, cloud: Cloud) -> None:
    """One Bedrock agent, deployed to `dev` by the deploy component with a role to assume."""
    for name in ("agents", "app"):
        shutil.rmtree(project.path / name)
    target = {"platform": "bedrock", "region": "us-east-1", "roles": {"dev": ROLE.format("dev")},
              "endpoint_url": cloud.endpoint("bedrock-agent"), "max_attempts": 1,
              "runtime_endpoint_url": cloud.endpoint("bedrock-agent-runtime")}  # fmt: skip
    config = {
        "apiVersion": "agentcd.dev/v1",
        "kind": "Project",
        "environments": [{"name": "dev", "target": "aws", "bindings": BINDINGS["dev"]}],
        "targets": {"aws": target},
        "ledger": {"backend": "git", "remote": str(project.ledger)},
    }
    (project.path / "agentcd.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    agent = project.path / "agents" / "triage"
    agent.mkdir(parents=True)
    definition = {**DEFINITION, "instructions": {"file": "instructions.md"}}
    (agent / "agent.yaml").write_text(yaml.safe_dump(definition, sort_keys=False))
    (agent / "instructions.md").write_text(INSTRUCTIONS)
    (agent / "orders.yaml").write_text(ORDERS_SPEC)
    inputs = {"environment": "dev", "evaluate": False, "agentcd-package": "none",
              "aws-role-arn": AWS_ROLE, "aws-region": "us-east-1"}  # fmt: skip
    component = "$CI_SERVER_FQDN/$CI_PROJECT_PATH/deploy@$CI_COMMIT_SHA"
    pipeline = {"stages": ["build", "test", "deploy"],
                "include": [{"component": component, "inputs": inputs}]}  # fmt: skip
    (project.path / ".gitlab-ci.yml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
    project.commit("A Bedrock agent\n\nSee merge request support/desk!44")


@pytest.fixture(scope="module")
def on_bedrock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OnBedrock]:
    """gitlab-ci-local reads `id_tokens:` but mints no token, so the test plays GitLab: it sets
    the job variable the keyword names (AGENTCD_AWS_ID_TOKEN) to a token the loopback issuer
    issued, with the audience the component asks for. Everything after that is the
    component's: the token file, the role and session in the environment, and boto3's
    AssumeRoleWithWebIdentity against the loopback STS (AWS_ENDPOINT_URL_STS)."""
    project = Project(tmp_path_factory.mktemp("gitlab-bedrock"))
    fake = FakeBedrock()
    fake.knowledge_base_ids |= {"KBDEV00001"}
    subject = "project_path:support/desk:ref_type:branch:ref:main"
    with serve_cloud(fake, role_arn=AWS_ROLE, request_token="unused", subject=subject) as cloud:
        _bedrock_project(project, cloud)
        token = cloud.issuer.issue("sts.amazonaws.com")
        pipeline = project.run(
            *("--variable", f"AGENTCD_AWS_ID_TOKEN={token}", "--variable", "CI_JOB_ID=4747"),
            *("--variable", f"AWS_ENDPOINT_URL_STS={cloud.url}", "--variable", "GITLAB_CI=true"),
            *("--variable", "AWS_EC2_METADATA_DISABLED=true"),  # no instance role to fall to
        )
        yield OnBedrock(pipeline, cloud, token, project.open_ledger().history())
    assert (fake.violations, cloud.sts.violations) == ([], [])


def test_a_deploy_job_with_a_role_deploys_to_bedrock_with_its_id_token(
    on_bedrock: OnBedrock,
) -> None:
    pipeline = on_bedrock.pipeline
    assert pipeline.code == 0, pipeline.output[-3000:]
    assert pipeline.results() == {"agentcd-build": "PASS", "agentcd-deploy-dev": "PASS"}
    session = "agentcd-4747-support+desk"
    log = pipeline.job_output("agentcd-deploy-dev")
    assert f"AWS: {AWS_ROLE} through the job's ID token, as session {session}" in log
    assert on_bedrock.token not in pipeline.output
    calls = on_bedrock.cloud.sts.calls
    assert calls and all(
        (c["Action"], c["RoleArn"], c["RoleSessionName"], c["WebIdentityToken"])
        == ("AssumeRoleWithWebIdentity", AWS_ROLE, session, on_bedrock.token)
        for c in calls
    )
    sts, fake = on_bedrock.cloud.sts, on_bedrock.cloud.fake
    assert "CreateAgentAlias" in fake.calls
    for request in fake.requests:
        signed = AWS_SIGNED.match(str(request.headers["Authorization"]))
        assert signed and signed.group(1) == sts.access_key
        assert request.headers["X-Amz-Security-Token"] == sts.session_token
    (record,) = on_bedrock.history
    assert (record.agent, record.environment, record.status) == ("triage", "dev", Status.SUCCEEDED)
    assert record.platform_versions["version"] == "1"


def test_the_jobs_that_reach_the_platform_ask_for_id_tokens_for_aws_and_azure() -> None:
    """What gitlab-ci-local cannot show: GitLab mints the token only for jobs that declare it,
    one per audience: STS's and Microsoft Entra ID's (a federated credential's default)."""
    wanted = {
        "AGENTCD_AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"},
        "AGENTCD_AZURE_ID_TOKEN": {"aud": "api://AzureADTokenExchange"},
    }
    jobs = {}
    for template in sorted((ROOT / "templates").glob("*.yml")):
        header, body = template.read_text(encoding="utf-8").split("\n---\n")
        if "aws-role-arn" in yaml.safe_load(header)["spec"]["inputs"]:
            jobs |= {k: j.get("id_tokens") for k, j in yaml.safe_load(body).items()
                     if not k.startswith(".")}  # fmt: skip
    prefix = "$[[ inputs.job-prefix ]]"
    env = "$[[ inputs.environment ]]"
    assert jobs == {
        f"{prefix}-build": None,
        **{f"{prefix}-{job}-{env}": wanted for job in ("brief", "deploy", "verify")},
        f"{prefix}-rollback-{env}": wanted,
        f"{prefix}-drift-{env}": wanted,
    }
