"""Platform credentials in CI beyond AWS: Azure from the job's OIDC token (workload identity
federation, the `foundry` platform) and the key-based platforms' secrets (`langgraph`,
`langfuse`, `mlflow`).

`actions/azure-oidc.sh` runs alone against the loopback token endpoint (the one
test_act_aws_oidc's cloud serves): the token asked for with Entra's audience, a private file,
the three variables azure-identity's workload identity credential reads, the refusals. The
token file it writes then signs a Foundry deploy through `DefaultAzureCredential` against the
Foundry fake's Entra endpoint. `actions/platform-keys.sh` is sourced in a shell as the actions
do. The rest reads the workflows and actions as data: every agentcd step of every reusable
workflow gets every key, under the names `platform-keys.sh` knows, and every action that runs
agentcd sources it after its credential steps.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.adapters.platforms.bedrock.fake import FakeBedrock
from tests.adapters.platforms.bedrock.server import Cloud, serve
from tests.adapters.platforms.foundry import fake as foundry
from tests.adapters.platforms.foundry.env import attach, new_fake, session_server, workload_identity
from tests.adapters.platforms.foundry.world import FoundryWorld
from tests.ci.test_act_aws_oidc import run_script as run_aws_style
from tests.conftest import ROOT

REQUEST_TOKEN = "fake-id-token-request-token"
CLIENT = "5f1c7a2e-3b9d-4e8f-a1c2-0d9e8f7a6b5c"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SCRIPT = ROOT / "actions" / "azure-oidc.sh"
KEYS_SCRIPT = ROOT / "actions" / "platform-keys.sh"
AGENTCD_ACTIONS = ("brief", "drift", "eval", "promote", "rollback")


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with serve(
        FakeBedrock(), role_arn="arn:aws:iam::1:role/x", request_token=REQUEST_TOKEN, subject="s"
    ) as c:
        yield c


def run_script(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], str]:
    return run_aws_style(tmp_path, SCRIPT, **env)


def oidc(cloud: Cloud) -> dict[str, str]:
    return {
        "AGENTCD_AZURE_CLIENT_ID": CLIENT,
        "AGENTCD_AZURE_TENANT_ID": TENANT,
        "ACTIONS_ID_TOKEN_REQUEST_URL": cloud.token_url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
    }


# ------------------------------------------------------------ azure-oidc.sh


def test_the_token_goes_to_a_private_file_and_the_identity_to_later_steps(
    tmp_path: Path, cloud: Cloud
) -> None:
    done, exported = run_script(tmp_path, **oidc(cloud))
    assert done.returncode == 0, done.stderr
    assert cloud.issuer.asked == [("api://AzureADTokenExchange", f"bearer {REQUEST_TOKEN}")]
    (token,) = cloud.issuer.issued
    file = tmp_path / "runner" / "agentcd-azure-federated-token"
    assert file.read_text(encoding="utf-8") == token
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert done.stdout == (
        f"::add-mask::{token}\n"
        f"Azure: client {CLIENT} of tenant {TENANT} through the job's OIDC token\n"
    )
    assert exported == (
        f"AZURE_FEDERATED_TOKEN_FILE={file}\nAZURE_CLIENT_ID={CLIENT}\nAZURE_TENANT_ID={TENANT}\n"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"AGENTCD_AZURE_CLIENT_ID": f"{CLIENT}\nAZURE_CLIENT_SECRET=stolen"},
            "azure-client-id is not a client id",
        ),
        ({"AGENTCD_AZURE_CLIENT_ID": "agentcd-deployer"}, "azure-client-id is not a client id"),
        ({"AGENTCD_AZURE_TENANT_ID": ""}, "azure-client-id needs azure-tenant-id"),
        ({"AGENTCD_AZURE_TENANT_ID": "contoso.onmicrosoft.com"}, "azure-tenant-id is not"),
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
    assert done.stdout.startswith("::error title=agentcd Azure::"), done.stdout
    assert message in done.stdout
    assert exported == ""
    assert not (tmp_path / "runner" / "agentcd-azure-federated-token").exists()
    assert cloud.issuer.issued == []


def test_the_token_file_signs_a_foundry_deploy_through_default_azure_credential(
    tmp_path: Path, cloud: Cloud, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the script leaves for the next step is all azure-identity needs: the Foundry fake's
    Entra endpoint takes the issued token as the client assertion and the deploy goes through."""
    ids = {"AGENTCD_AZURE_CLIENT_ID": foundry.CLIENT_ID, "AGENTCD_AZURE_TENANT_ID": foundry.TENANT}
    done, exported = run_script(tmp_path, **{**oidc(cloud), **ids})
    assert done.returncode == 0, done.stderr
    (token,) = cloud.issuer.issued
    server, bundle = session_server(request.config, tmp_path / "tls")
    fake = new_fake("ci")
    fake.federated_token = token  # the federated credential trusts this job's token
    attach(server, fake)
    (tmp_path / "home").mkdir()
    endpoint = workload_identity(monkeypatch, server, bundle, fake, tmp_path / "home")
    for line in exported.splitlines():  # what the runner puts in the next step's environment
        name, value = line.split("=", 1)
        monkeypatch.setenv(name, value)
    world = FoundryWorld(tmp_path / "repo", endpoint, fake)
    world.deploy_unrecorded("greeter", "dev")
    assert world.versions("dev") == ["1"] and world.running("dev") == "1"
    assert fake.violations == []


# ------------------------------------------------------------ platform-keys.sh


def keys_script_names() -> list[str]:
    text = KEYS_SCRIPT.read_text(encoding="utf-8")
    listed = re.search(r"for agentcd_key in (.*?); do", text, re.DOTALL)
    assert listed, "platform-keys.sh lists the keys in one for loop"
    return listed.group(1).replace("\\\n", " ").split()


def sourced(env: dict[str, str]) -> dict[str, str]:
    """The environment a command sees after the actions' `. platform-keys.sh`."""
    done = subprocess.run(
        ["bash", "-c", f'. "{KEYS_SCRIPT}" && env -0'],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    pairs = (item.split("=", 1) for item in done.stdout.split("\0") if "=" in item)
    return {name: value for name, value in pairs}


def test_a_staged_key_reaches_agentcd_under_its_own_name_and_only_there() -> None:
    seen = sourced({"AGENTCD_SECRET_LANGFUSE_SECRET_KEY": "sk-lf-1", "OTHER": "kept"})
    assert seen["LANGFUSE_SECRET_KEY"] == "sk-lf-1"
    assert not [name for name in seen if name.startswith("AGENTCD_SECRET_")]
    assert seen["OTHER"] == "kept"
    assert "agentcd_key" not in seen and "agentcd_staged" not in seen


def test_a_secret_the_caller_did_not_pass_hides_nothing_the_runner_has() -> None:
    """GitHub passes an undeclared secret as an empty string: the runner's own value stays,
    and a key nobody set stays unset (an SDK then reports no key, not an empty one)."""
    seen = sourced(
        {
            "AGENTCD_SECRET_MLFLOW_TRACKING_TOKEN": "",
            "MLFLOW_TRACKING_TOKEN": "from-the-runner",
            "AGENTCD_SECRET_LANGSMITH_API_KEY": "",
        }
    )
    assert seen["MLFLOW_TRACKING_TOKEN"] == "from-the-runner"
    assert "LANGSMITH_API_KEY" not in seen


# ------------------------------------------------------------ the workflows and actions as data


def agentcd_steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            used = str(step.get("uses", ""))
            if re.fullmatch(r"\$/actions/(" + "|".join(AGENTCD_ACTIONS) + ")", used):
                yield f"{name}: {used}", step


# The pull-request workflow's eval job runs the pull request's code: it gets the eval target's
# key and nothing that can change a platform (docs/ci.md#platform-credentials).
DEPLOYING = [
    ROOT / ".github" / "workflows" / f"{name}.yml" for name in ("deploy", "drift", "rollback")
]


def test_the_pull_request_code_gets_no_platform_credential() -> None:
    text = (ROOT / ".github" / "workflows" / "pull-request.yml").read_text(encoding="utf-8")
    assert not re.search(r"AGENTCD_SECRET_|aws-role-arn|azure-client-id", text)
    assert not set(keys_script_names()) & set(re.findall(r"secrets\.(\w+)", text))


@pytest.mark.parametrize("path", DEPLOYING, ids=lambda p: p.name)
def test_every_agentcd_step_of_a_reusable_workflow_gets_every_platform_key(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = list(agentcd_steps(workflow))
    assert steps, f"{path.name} runs no agentcd action"
    keys = keys_script_names()
    declared = workflow[True]["workflow_call"].get("secrets", {})  # YAML reads `on` as True
    assert set(keys) <= set(declared), f"{path.name} declares {sorted(declared)}"
    for where, step in steps:
        env = step.get("env", {})
        for key in keys:
            assert env.get(f"AGENTCD_SECRET_{key}") == f"${{{{ secrets.{key} }}}}", where
        assert not set(keys) & set(env), f"{where}: a key by its own name overrides the runner's"
        inputs = step.get("with", {})
        assert {"azure-client-id", "azure-tenant-id"} <= set(inputs), where


@pytest.mark.parametrize("action", AGENTCD_ACTIONS)
def test_every_action_sources_the_keys_after_its_credential_steps(action: str) -> None:
    steps = yaml.safe_load((ROOT / "actions" / action / "action.yml").read_text())["runs"]["steps"]
    runs = [str(step.get("run", "")) for step in steps]
    sourcing = [i for i, run in enumerate(runs) if "platform-keys.sh" in run]
    assert len(sourcing) == 1, runs
    agentcd = [i for i, run in enumerate(runs) if re.search(r"(^|\s)agentcd\s", run)]
    assert agentcd == sourcing, "the keys go to the step that runs agentcd, and no other"
    credentials = [i for i, run in enumerate(runs) if "-oidc.sh" in run]
    assert credentials == sorted(credentials) and credentials[-1] < sourcing[0]
    assert "azure-oidc.sh" in runs[credentials[-1]]


# ------------------------------------------------------------ the GitLab components' Azure step


def gitlab_azure_steps() -> dict[str, str]:
    """Each component's script item that signs in to Azure, by template and job."""
    found = {}
    for template in sorted((ROOT / "templates").glob("*.yml")):
        body = template.read_text(encoding="utf-8").split("\n---\n")[1]
        for name, job in yaml.safe_load(body).items():
            items = job if isinstance(job, list) else job.get("script", [])
            for item in items:
                if isinstance(item, str) and "AZURE_FEDERATED_TOKEN_FILE" in item:
                    found[f"{template.stem}: {name}"] = item
    return found


def run_gitlab_step(step: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    script = f"set -eo pipefail\n{step}\nenv -0 > {tmp_path / 'after'}\n"
    full = {"PATH": os.environ.get("PATH", ""), "TMPDIR": str(tmp_path), **env}
    return subprocess.run(["bash", "-c", script], env=full, capture_output=True, text=True)


def test_every_gitlab_component_that_reaches_a_platform_signs_in_to_azure_the_same_way() -> None:
    steps = gitlab_azure_steps()
    assert sorted(steps) == [
        "deploy: .agentcd-azure",
        "drift: $[[ inputs.job-prefix ]]-drift-$[[ inputs.environment ]]",
        "rollback: $[[ inputs.job-prefix ]]-rollback-$[[ inputs.environment ]]",
    ]
    assert len(set(steps.values())) == 1, "one sign-in, copied alike into each component"


def test_the_gitlab_step_writes_the_id_token_to_a_private_file_for_azure_identity(
    tmp_path: Path,
) -> None:
    (step,) = set(gitlab_azure_steps().values())
    done = run_gitlab_step(
        step,
        tmp_path,
        AGENTCD_AZURE_CLIENT_ID=CLIENT,
        AGENTCD_AZURE_TENANT_ID=TENANT,
        AGENTCD_AZURE_ID_TOKEN="eyJ.gitlab.token",
    )
    assert done.returncode == 0, done.stderr
    pairs = (i.split("=", 1) for i in (tmp_path / "after").read_text().split("\0") if "=" in i)
    after = dict(pairs)
    token = Path(after["AZURE_FEDERATED_TOKEN_FILE"])
    assert token.read_text() == "eyJ.gitlab.token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert (after["AZURE_CLIENT_ID"], after["AZURE_TENANT_ID"]) == (CLIENT, TENANT)
    assert "eyJ.gitlab.token" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AGENTCD_AZURE_TENANT_ID": ""}, "azure-client-id needs azure-tenant-id"),
        ({"AGENTCD_AZURE_ID_TOKEN": ""}, "the job has no AGENTCD_AZURE_ID_TOKEN"),
    ],
)
def test_the_gitlab_step_refuses_what_it_cannot_sign_in_with(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    (step,) = set(gitlab_azure_steps().values())
    base = {
        "AGENTCD_AZURE_CLIENT_ID": CLIENT,
        "AGENTCD_AZURE_TENANT_ID": TENANT,
        "AGENTCD_AZURE_ID_TOKEN": "eyJ.gitlab.token",
    }
    done = run_gitlab_step(step, tmp_path, **{**base, **env})
    assert done.returncode == 1 and message in done.stderr
    assert not (tmp_path / "after").exists()


def test_without_a_client_id_the_gitlab_step_sets_nothing(tmp_path: Path) -> None:
    (step,) = set(gitlab_azure_steps().values())
    done = run_gitlab_step(step, tmp_path, AGENTCD_AZURE_CLIENT_ID="")
    assert done.returncode == 0, done.stderr
    assert "AZURE_" not in (tmp_path / "after").read_text().replace("AGENTCD_AZURE", "")
