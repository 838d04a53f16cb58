"""The GitLab eval component end to end under `gitlab-ci-local`, on the example project with its
demo `python` target: a branch pipeline that records its verdicts, a merge request pipeline
that fails on a regression (JUnit for the merge request, the JSON report as an artifact), and a
fork's merge request, where the gate never runs.

The project includes `templates/eval.yml` as a local component at its own commit, with the
agentcd installed here (`agentcd-package: none`), like the other components' tests.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from agentcd.core.deploy.ledger import EvalRecord
from agentcd.core.evals.verdict import Verdict
from tests.ci.test_gitlab_components import Pipeline, Project, find_gitlab_ci_local
from tests.conftest import git

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_gitlab_ci_local() is None, reason="gitlab-ci-local not found"),
]

JOB = "agentcd-eval-test"
PROJECT_ID = "77"


def eval_pipeline() -> str:
    include = {
        "component": "$CI_SERVER_FQDN/$CI_PROJECT_PATH/eval@$CI_COMMIT_SHA",
        "inputs": {
            "environment": "test",
            "record": True,
            "branch-pipelines": True,
            "agentcd-package": "none",
        },
    }
    return yaml.safe_dump({"include": [include]}, sort_keys=False)


def merge_request(base: str, source_project: str) -> list[str]:
    variables = {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
        "CI_MERGE_REQUEST_PROJECT_ID": PROJECT_ID,
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": source_project,
        "CI_COMMIT_BRANCH": "",  # merge request pipelines have no branch
    }
    return [arg for k, v in variables.items() for arg in ("--variable", f"{k}={v}")]


@dataclass(frozen=True)
class Gated:
    project: Project
    branch: Pipeline
    branch_report: bytes
    branch_records: tuple[EvalRecord, ...]
    mr: Pipeline
    mr_report: dict[str, Any]
    mr_junit: ET.Element
    fork: Pipeline
    records_after: tuple[EvalRecord, ...]


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Gated:
    project = Project(tmp_path_factory.mktemp("gitlab-eval"))
    (project.path / ".gitlab-ci.yml").write_text(eval_pipeline(), encoding="utf-8")
    project.commit("Gate the agents")
    base = git(project.path, "rev-parse", "HEAD").strip()
    branch = project.run("--variable", f"CI_PROJECT_ID={PROJECT_ID}")
    branch_report = (project.path / "agentcd-eval-test.json").read_bytes()
    branch_records = project.open_ledger().evals()

    instructions = project.path / "agents" / "support-triage" / "instructions.md"
    text = instructions.read_text(encoding="utf-8")
    instructions.write_text(text.replace("; never promise a refund yourself", ""))
    project.commit("Friendlier refunds")
    for name in ("json", "xml"):
        (project.path / f"agentcd-eval-test.{name}").unlink()
    mr = project.run(*merge_request(base, PROJECT_ID))
    mr_report = json.loads((project.path / "agentcd-eval-test.json").read_text())
    mr_junit = ET.parse(project.path / "agentcd-eval-test.xml").getroot()
    (project.path / "agentcd-eval-test.json").unlink()
    fork = project.run(*merge_request(base, "78"))
    return Gated(
        project=project,
        branch=branch,
        branch_report=branch_report,
        branch_records=branch_records,
        mr=mr,
        mr_report=mr_report,
        mr_junit=mr_junit,
        fork=fork,
        records_after=project.open_ledger().evals(),
    )


def test_a_branch_pipeline_passes_and_records_its_verdicts(gated: Gated) -> None:
    assert gated.branch.code == 0, gated.branch.output[-3000:]
    assert gated.branch.results() == {JOB: "PASS"}
    report = json.loads(gated.branch_report)
    assert (report["verdict"], report["environment"], report["base"]) == ("pass", "test", None)
    digest = "sha256:" + hashlib.sha256(gated.branch_report).hexdigest()
    assert [(r.agent, r.verdict, r.report_digest) for r in gated.branch_records] == [
        (a["name"], Verdict.PASS, digest) for a in report["agents"]
    ]
    assert [r.artifact_digest for r in gated.branch_records] == [
        a["digest"] for a in report["agents"]
    ]
    assert "| `triage/refund-request` | ✅ pass |" in gated.branch.job_output(JOB)  # the section


def test_a_merge_request_that_regresses_fails_the_gate_by_case(gated: Gated) -> None:
    assert gated.mr.results() == {JOB: "FAIL"}
    report = gated.mr_report
    assert report["verdict"] == "fail"
    assert report["thresholds"]["source"].startswith("base revision ")
    triage = next(a for a in report["agents"] if a["name"] == "support-triage")
    assert triage["paired"]["new_failures"] == ["triage/refund-request"]
    failure = gated.mr_junit.find(
        ".//testsuite[@name='support-triage/triage']/testcase[@name='refund-request']/failure"
    )
    assert failure is not None and failure.get("type") == "NewFailure"
    failed = [r for r in gated.records_after if r.verdict is Verdict.FAIL]
    assert [(r.agent, r.artifact_digest) for r in failed] == [("support-triage", triage["digest"])]


def test_a_forks_merge_request_never_runs_the_gate(gated: Gated) -> None:
    assert gated.fork.results() == {}
    assert JOB not in gated.fork.output
    assert not (gated.project.path / "agentcd-eval-test.json").exists()
    assert len(gated.records_after) == len(gated.branch_records) + 3  # the MR's, none from it
