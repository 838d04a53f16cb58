"""`agentcd plan` on a real two-commit repository whose ledger was filled by `agentcd promote`.

The example project is committed, evaluated with `agentcd eval` and promoted through dev,
test and prod; a second commit changes two agents. The plan then reads that real SQLite
ledger and the file platform's deployed configurations.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import responses

from agentcd.core.review.marker import parse_marker
from tests.adapters.hosts.fake_github import REPO, FakeGitHub
from tests.adapters.hosts.fake_gitlab import API, PROJECT, FakeGitLab
from tests.conftest import git
from tests.openapi.github_check import check_exchange
from tests.render.markdown_structure import check_inert, check_structure

TRIAGE = "agents/support-triage/agent.yaml"
REFUND = "agents/refund-bot/agent.yaml"
SECRET = 'tier: customer-facing, key: "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789AB"'


@dataclass(frozen=True)
class Deployed:
    path: Path
    base: str
    head: str
    eval_report: Path


def edit(repo: Path, path: str, old: str, new: str) -> None:
    file = repo / path
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    file.write_text(text.replace(old, new), encoding="utf-8")


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def deployed_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """Built once: promoted through every environment at the first commit, then changed."""
    from agentcd.cli import main
    from tests.conftest import EXAMPLE

    path = tmp_path_factory.mktemp("plan") / "repo"
    shutil.copytree(EXAMPLE, path, ignore=shutil.ignore_patterns(".agentcd"))
    git(path, "init", "-q", "-b", "main")
    base = commit(path, "initial")
    reports = path.parent / "reports"
    run = ["-C", str(path)]
    assert main([*run, "promote", "--env", "dev"]) == 0
    for env, extra in (("test", []), ("prod", ["--approver", "lee"])):
        report = reports / f"{env}.json"
        main([*run, "eval", "--env", env, "--format", "json", "--output", str(report)])
        code = main([*run, "promote", "--env", env, "--eval-report", str(report), *extra])
        assert code == 0
    edit(path, TRIAGE, "temperature: 0.2", "temperature: 0.3")
    edit(path, REFUND, "approval: always", "approval: never")
    head = commit(path, "warmer triage, unattended refunds")
    head_report = reports / "head.json"
    main(
        [
            *run,
            "eval",
            "--env",
            "test",
            "--base",
            base,
            "--format",
            "json",
            "--output",
            str(head_report),
        ]
    )
    yield Deployed(path, base, head, head_report)


@pytest.fixture
def deployed(deployed_template: Deployed, tmp_path: Path) -> Deployed:
    path = tmp_path / "repo"
    shutil.copytree(deployed_template.path, path, symlinks=True)
    return Deployed(
        path, deployed_template.base, deployed_template.head, deployed_template.eval_report
    )


def plan_json(cli, d: Deployed, *args: str) -> dict:  # type: ignore[no-untyped-def]
    result = cli("plan", "--base", d.base, "--head", d.head, "--format", "json", *args, cwd=d.path)
    assert result.code == 0, result
    return json.loads(result.out)


def cells(data: dict, agent: str) -> dict[str, dict]:
    entry = next(a for a in data["agents"] if a["name"] == agent)
    return {c["environment"]: c for c in entry["environments"]}


def test_reads_what_promote_recorded(cli, deployed: Deployed) -> None:
    data = plan_json(cli, deployed, "--eval-report", str(deployed.eval_report))
    assert [a["name"] for a in data["agents"]] == ["refund-bot", "support-triage"]
    assert data["unchanged"] == ["faq-bot"]
    assert data["ledger"]["records"] == 9
    triage = cells(data, "support-triage")
    assert {env: c["state"] for env, c in triage.items()} == {
        "dev": "in_sync",
        "test": "in_sync",
        "prod": "in_sync",
    }
    prod = triage["prod"]
    assert prod["running"]["commit"] == deployed.base
    assert prod["running"]["approvers"] == ["lee"]
    assert [c["after_merge"]["step"] for c in triage.values()] == [
        "deploy",
        "after_previous",
        "after_previous",
    ]
    assert prod["after_merge"]["approval_required"] is True
    assert data["verdict"] == "pass"
    assert data["counts"]["high_risk"] == 1


def test_the_comment_reads_well(cli, deployed: Deployed) -> None:
    args = (
        "--base",
        deployed.base,
        "--head",
        deployed.head,
        "--eval-report",
        str(deployed.eval_report),
    )
    result = cli("plan", *args, cwd=deployed.path)
    assert result.code == 0, result
    text = result.out
    check_structure(text)
    check_inert(text)
    assert text.startswith("## agentcd plan · 2 of 3 agents change · gate ✅ passed\n")
    assert (
        "> - `refund-bot` · `tools[issue_refund].approval`: approval loosened (always → never)"
        in text
    )
    assert "| [support-triage](#2-support-triage) | `temperature` 0\\.2 → 0\\.3 |" in text
    assert (
        "approved by lee | ✅ in sync | after test, with a passing eval and an approval |" in text
    )


def test_drift_in_prod_is_shown(cli, deployed: Deployed) -> None:
    live = deployed.path / ".agentcd/deployed/prod/support-triage.json"
    doc = json.loads(live.read_text(encoding="utf-8"))
    doc["agent"]["instructions"] = "Offer everyone a 50% discount.\n"
    live.write_text(json.dumps(doc), encoding="utf-8")
    data = plan_json(cli, deployed)
    prod = cells(data, "support-triage")["prod"]
    assert prod["state"] == "drifted"
    assert "agent.instructions" in prod["differences"]
    assert cells(data, "support-triage")["test"]["state"] == "in_sync"
    assert "agentcd drift --env prod" in data["agents"][1]["next_steps"]


def test_a_ledger_that_cannot_be_read_is_unknown_never_in_sync(cli, deployed: Deployed) -> None:
    (deployed.path / ".agentcd/ledger.db").write_bytes(b"this is not a database" * 100)
    for name in ("ledger.db-wal", "ledger.db-shm"):
        (deployed.path / ".agentcd" / name).unlink(missing_ok=True)
    data = plan_json(cli, deployed)
    assert data["ledger"]["readable"] is False
    states = {c["state"] for a in data["agents"] for c in a["environments"]}
    assert states == {"unknown"}
    result = cli("plan", "--base", deployed.base, "--head", deployed.head, cwd=deployed.path)
    assert "**the ledger could not be read**" in result.out
    assert "in sync" not in result.out


def test_exit_code_on_a_failing_gate(cli, deployed: Deployed) -> None:
    edit(deployed.path, TRIAGE, "tier: customer-facing", SECRET)
    head = commit(deployed.path, "a secret")
    args = ("plan", "--base", deployed.base, "--head", head)
    assert cli(*args, cwd=deployed.path).code == 0
    result = cli(*args, "--exit-code", "--format", "json", cwd=deployed.path)
    assert result.code == 2, result
    assert json.loads(result.out)["verdict"] == "fail"


def test_a_broken_definition_is_reported_not_fatal(cli, deployed: Deployed) -> None:
    edit(deployed.path, REFUND, "kind: Agent", "kind: Agnet")
    head = commit(deployed.path, "typo")
    result = cli(
        "plan", "--base", deployed.base, "--head", head, "--format", "json", cwd=deployed.path
    )
    assert result.code == 0, result
    data = json.loads(result.out)
    assert [i["path"] for i in data["invalid"]] == [REFUND]
    assert "kind" in data["invalid"][0]["error"]
    assert "refund-bot" not in [a["name"] for a in data["agents"]]
    assert data["verdict"] == "fail"


def test_defaults_to_the_working_tree_and_merge_base(cli, deployed: Deployed) -> None:
    git(deployed.path, "checkout", "-q", "-b", "feature")
    git(deployed.path, "branch", "-f", "main", deployed.base)
    edit(deployed.path, "agents/faq-bot/agent.yaml", "temperature: 0.3", "temperature: 0.5")
    data = json.loads(cli("plan", "--format", "json", cwd=deployed.path).out)
    assert data["base"] == {"label": "merge base with main", "commit": deployed.base}
    assert data["head"]["label"] == "working tree"
    assert [a["name"] for a in data["agents"]] == ["faq-bot", "refund-bot", "support-triage"]


# ------------------------------------------------------------------ in CI


def github_env(
    monkeypatch: pytest.MonkeyPatch, d: Deployed, tmp_path: Path, head: str
) -> dict[str, Path]:
    event = {
        "pull_request": {
            "number": 42,
            "base": {"sha": d.base},
            "head": {"sha": head, "label": "octo-org:warmer", "repo": {"full_name": REPO}},
        },
        "repository": {"default_branch": "main"},
    }
    files = {name: tmp_path / name for name in ("event.json", "output", "summary")}
    files["event.json"].write_text(json.dumps(event), encoding="utf-8")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_TOKEN": "ghs_" + "x" * 36,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(files["event.json"]),
        "GITHUB_RUN_ID": "812",
        "GITHUB_API_URL": "https://api.github.com",
        "GITHUB_OUTPUT": str(files["output"]),
        "GITHUB_STEP_SUMMARY": str(files["summary"]),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return files


def checked_against_github(rsps: responses.RequestsMock) -> None:
    """Every request and answer agrees with GitHub's REST description (tests/openapi)."""
    problems = [
        problem
        for call in rsps.calls
        for problem in check_exchange(
            str(call.request.method),
            str(call.request.url),
            call.request.body,
            call.response.status_code,
            call.response.text,
            api_url="https://api.github.com",
        )
    ]
    assert not problems, "\n".join(problems)


def read_outputs(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").split("\n")
    out, i = {}, 0
    while i < len(lines) - 1:
        name, delimiter = lines[i].split("<<")
        end = lines.index(delimiter, i + 1)
        out[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return out


def test_comments_on_github_and_writes_the_job_files(
    cli, deployed: Deployed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    edit(deployed.path, TRIAGE, "tier: customer-facing", SECRET)
    head = commit(deployed.path, "a secret")
    files = github_env(monkeypatch, deployed, tmp_path, head)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps).install()
        fake.add_comments(42, 3)
        result = cli("plan", "--comment", cwd=deployed.path)
        assert result.code == 0, result
        posted = fake.on_issue(42)[-1].body
        outputs = read_outputs(files["output"])
        again = cli("plan", "--comment", cwd=deployed.path)
        methods = [c.request.method for c in rsps.calls]
        checked_against_github(rsps)
    marker = parse_marker(posted)
    assert marker is not None and marker.change == 42 and marker.head == head
    assert "## agentcd plan · 2 of 3 agents change" in posted
    check_structure(posted)
    assert "plan comment created" in result.err and "plan comment unchanged" in again.err
    assert methods.count("POST") == 1 and "PATCH" not in methods  # the second run only read
    assert result.out.startswith("::add-mask::ghs_")
    assert "::error file=agents/support-triage/agent.yaml,line=" in result.out
    assert "::stop-commands::" in result.out
    assert outputs["verdict"] == "fail"
    assert json.loads(outputs["changed-agents"]) == ["refund-bot", "support-triage"]
    assert set(json.loads(outputs["digests"])) == {"faq-bot", "refund-bot", "support-triage"}
    assert outputs["comment"] == "created"
    assert "## agentcd plan" in files["summary"].read_text(encoding="utf-8")


def gitlab_env(monkeypatch: pytest.MonkeyPatch, d: Deployed, *, token: bool) -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": API,
        "CI_PROJECT_PATH": PROJECT,
        "CI_MERGE_REQUEST_IID": "7",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": d.base,
        "CI_COMMIT_SHA": d.head,
        "CI_PIPELINE_ID": "4001",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_JOB_TOKEN": "job-token",
    }
    if token:
        env["AGENTCD_GITLAB_TOKEN"] = "glpat-" + "y" * 20
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_comments_on_gitlab_with_merge_request_references(
    cli, deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    gitlab_env(monkeypatch, deployed, token=True)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitLab(rsps).install()
        result = cli("plan", "--comment", cwd=deployed.path)
        notes = fake.on_mr(7)
    assert result.code == 0, result
    body = notes[-1]["body"]
    marker = parse_marker(body)
    assert marker is not None and marker.change == 7 and marker.run == 4001
    assert "::" not in result.out  # no GitHub workflow commands on GitLab
    check_structure(body)


def test_the_job_token_cannot_comment_on_gitlab(
    cli, deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    gitlab_env(monkeypatch, deployed, token=False)
    with responses.RequestsMock(assert_all_requests_are_fired=False):
        result = cli("plan", "--comment", cwd=deployed.path)
    assert result.code == 1
    assert "CI_JOB_TOKEN cannot post merge request notes" in result.err


def test_comment_outside_ci_is_a_clear_error(cli, deployed: Deployed) -> None:
    result = cli(
        "plan", "--base", deployed.base, "--head", deployed.head, "--comment", cwd=deployed.path
    )
    assert result.code == 1
    assert "--comment works in GitHub Actions or GitLab CI" in result.err


def test_workflow_run_comments_on_the_fork_pull_request_found_by_its_head(
    cli, deployed: Deployed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The fork pattern: no pull request number in the event; found from the head itself."""
    files = github_env(monkeypatch, deployed, tmp_path, deployed.head)
    run = {
        "id": 900,
        "event": "pull_request",
        "head_sha": deployed.head,
        "head_branch": "warmer",
        "head_repository": {"full_name": "someone/support-desk", "owner": {"login": "someone"}},
        "pull_requests": [],
    }
    files["event.json"].write_text(json.dumps({"workflow_run": run}), encoding="utf-8")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "workflow_run")
    git(deployed.path, "checkout", "-q", "-b", "feature")
    git(deployed.path, "branch", "-f", "main", deployed.base)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps).install()
        fake.pulls.append({"number": 42, "sha": deployed.head, "label": "someone:warmer"})
        fake.pulls.append({"number": 41, "sha": "0" * 40, "label": "someone:warmer"})
        result = cli("plan", "--comment", cwd=deployed.path)
        (comment,) = fake.on_issue(42)
        checked_against_github(rsps)
    assert result.code == 0, result
    marker = parse_marker(comment.body)
    assert marker is not None
    assert (marker.change, marker.head, marker.run) == (42, deployed.head, 900)
    assert "## agentcd plan · 2 of 3 agents change" in comment.body
