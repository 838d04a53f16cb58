"""`agentcd promote`: the gate through the CLI, on real git repositories and SQLite ledgers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcd.core.deploy.ledger import Kind, Status
from agentcd.core.evals.verdict import Verdict
from tests.commands.deploying import (  # noqa: F401 (fixtures)
    clock_fixture,
    commit_change,
    history,
    ledger,
    live_file,
    project_fixture,
    record_passing_evals,
    scrub,
)
from tests.conftest import git

AGENTS = ["faq-bot", "refund-bot", "support-triage"]


def deployed_files(repo: Path) -> list[str]:
    root = repo / ".agentcd" / "deployed"
    return (
        sorted(p.relative_to(root).as_posix() for p in root.rglob("*.json"))
        if root.exists()
        else []
    )


def test_promote_builds_the_committed_head_and_records_it(cli, project: Path) -> None:
    result = cli("promote", "--env", "dev", "--format", "json")
    assert result.code == 0, result
    report = json.loads(result.out)
    assert [a["agent"] for a in report["agents"]] == AGENTS
    assert {a["result"] for a in report["agents"]} == {"succeeded"}
    head = git(project, "rev-parse", "HEAD").strip()
    records = history(project, "dev")
    assert [(r.agent, r.seq, r.status, r.commit, r.actor) for r in records] == [
        (a, 1, Status.SUCCEEDED, head, "ana") for a in AGENTS
    ]
    faq = live_file(project, "dev", "faq-bot")
    assert faq["agentcd"]["deployment_digest"] == records[0].deployment_digest  # type: ignore[index]
    assert faq["bindings"] == {"policies_kb": "kb-dev"}
    assert ledger(project).get_bundle(records[0].artifact_digest) is not None


def test_promoting_what_already_runs_changes_nothing(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev").code == 0
    before = history(project)
    result = cli("promote", "--env", "dev")
    assert result.code == 0, result
    assert result.out.startswith("promote to dev: done (3 unchanged)")
    assert history(project) == before


def test_uncommitted_changes_to_definitions_are_refused(cli, project: Path) -> None:
    path = project / "agents" / "faq-bot" / "agent.yaml"
    path.write_text(path.read_text().replace("temperature: 0.3", "temperature: 0.9"))
    result = cli("promote", "--env", "dev")
    assert result.code == 1
    assert result.err == (
        "error: promoting: uncommitted changes to definitions in agents/faq-bot/agent.yaml "
        "(commit them, or promote a built bundle with --bundle)\n"
    )
    assert history(project) == ()


def test_an_out_of_order_promotion_is_refused_and_changes_nothing(cli, project: Path) -> None:
    record_passing_evals(project, "test")
    result = cli("promote", "--env", "test", "--agent", "faq-bot")
    assert result.code == 2, result
    assert (
        "FAIL  order: " in result.out
        and "never succeeded there: promote it to dev first" in result.out
    )
    assert history(project) == ()
    assert deployed_files(project) == []


def test_a_tampered_bundle_is_refused(cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundles"
    built = json.loads(
        cli("build", "--agent", "refund-bot", "--out", str(out), "--format", "json").out
    )
    digest = built["bundles"][0]["digest"]
    bundle = out / "refund-bot.bundle.json"
    data = json.loads(bundle.read_text())
    data["artifact"]["tools"][1]["approval"] = "never"  # issue_refund: no human in the loop
    bundle.write_text(json.dumps(data))
    result = cli("promote", "--env", "dev", "--bundle", str(bundle), "--expect-digest", digest)
    assert result.code == 2, result
    assert "FAIL  digest: refund-bot.bundle.json: tampered bundle: it says" in result.out
    assert history(project) == () and deployed_files(project) == []


def test_a_bundle_must_hash_to_the_expected_digest(cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundles"
    cli("build", "--out", str(out))
    other = "sha256:" + "0" * 64
    result = cli(
        "promote",
        "--env",
        "dev",
        "--bundle",
        str(out),
        "--expect-digest",
        f"faq-bot={other}",
        "--agent",
        "faq-bot",
    )
    assert result.code == 2
    assert "expected 000000000000" in result.out
    missing = cli(
        "promote", "--env", "dev", "--bundle", str(out), "--expect-digest", f"faq-bot={other}"
    )
    assert missing.code == 1
    assert missing.err == "error: promoting: no --expect-digest for refund-bot, support-triage\n"


def test_verified_bundles_promote(cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundles"
    built = json.loads(cli("build", "--out", str(out), "--format", "json").out)["bundles"]
    pairs = [f"--expect-digest={b['name']}={b['digest']}" for b in built]
    result = cli("promote", "--env", "dev", "--bundle", str(out), *pairs)
    assert result.code == 0, result
    assert [r.artifact_digest for r in history(project)] == [b["digest"] for b in built]


def test_an_older_commit_is_refused_unless_rolled_back(cli, project: Path, tmp_path: Path) -> None:
    old = git(project, "rev-parse", "HEAD").strip()
    commit_change(project, "faq-bot", "Be brief.", "Shorter answers")
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    out = tmp_path / "old"
    built = json.loads(
        cli("build", "--rev", old, "--agent", "faq-bot", "--out", str(out), "--format", "json").out
    )["bundles"][0]
    result = cli(
        "promote", "--env", "dev", "--bundle", str(out), "--expect-digest", built["digest"]
    )
    assert result.code == 2
    assert "FAIL  age: its commit is older than the one that runs now" in result.out
    assert len(history(project)) == 1


def test_prod_needs_an_approver_and_its_own_eval_verdict(cli, project: Path) -> None:
    for env in ("dev", "test"):
        record_passing_evals(project, env)
        assert cli("promote", "--env", env, "--agent", "faq-bot").code == 0
    refused = cli("promote", "--env", "prod", "--agent", "faq-bot", "--format", "json")
    assert refused.code == 2
    checks = {c["name"]: c for c in json.loads(refused.out)["agents"][0]["checks"]}
    assert checks["eval"]["outcome"] == "fail" and checks["approval"]["outcome"] == "fail"
    record_passing_evals(project, "prod")
    done = cli("promote", "--env", "prod", "--agent", "faq-bot", "--approver", "lee")
    assert done.code == 0, done
    (record,) = history(project, "prod")
    assert record.approvers == ("lee",) and record.eval_verdict is Verdict.PASS
    assert live_file(project, "prod", "faq-bot")["bindings"] == {"policies_kb": "kb-prod-2026-10"}


def test_who_started_the_run_cannot_be_prods_only_approver(
    cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GitLab `when: manual` prod job records whoever runs it as the approver, so the person
    whose push started the pipeline could approve their own change: the gate refuses that."""
    for env in ("dev", "test", "prod"):
        record_passing_evals(project, env)
    for env in ("dev", "test"):
        assert cli("promote", "--env", env, "--agent", "faq-bot").code == 0
    monkeypatch.setenv("AGENTCD_TRIGGERED_BY", "lee")
    refused = cli("promote", "--env", "prod", "--agent", "faq-bot", "--approver", "LEE")
    assert refused.code == 2, refused
    assert (
        "FAIL  approval: prod requires an approval by someone other than who started the run, "
        "and LEE started it and is its only approver: another person must approve (review the "
        "deployment, or run the manual job)"
    ) in refused.out
    assert history(project, "prod") == ()
    args = ("--approver", "lee", "--approver", "rui", "--format", "json")
    done = cli("promote", "--env", "prod", "--agent", "faq-bot", *args)
    assert done.code == 0, done
    checks = {c["name"]: c for c in json.loads(done.out)["agents"][0]["checks"]}
    assert checks["approval"]["reason"] == "approved by rui (lee's own approval does not count)"
    (record,) = history(project, "prod")
    assert record.approvers == ("lee", "rui")  # the record keeps everyone who approved


def test_an_eval_report_is_recorded_and_bound_to_its_digest(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    (dev,) = history(project, "dev")
    report = project.parent / "eval.json"
    report.write_text(
        json.dumps(
            {
                "report_version": 1,
                "verdict": "pass",
                "environment": "test",
                "agents": [{"name": "faq-bot", "digest": dev.artifact_digest, "verdict": "pass"}],
            }
        )
    )
    dry = cli(
        "promote", "--env", "test", "--agent", "faq-bot", "--eval-report", str(report), "--dry-run"
    )
    assert dry.code == 0 and "(dry run)" in dry.out
    assert ledger(project).evals() == ()  # a dry run writes nothing
    result = cli("promote", "--env", "test", "--agent", "faq-bot", "--eval-report", str(report))
    assert result.code == 0, result
    (test,) = history(project, "test")
    assert test.eval_report_digest is not None and test.eval_report_digest.startswith("sha256:")


def test_a_missing_binding_value_is_refused(cli, project: Path) -> None:
    config = project / "agentcd.yaml"
    config.write_text(config.read_text().replace("      policies_kb: kb-dev\n", ""))
    git(project, "commit", "-q", "-am", "drop a binding")
    result = cli("promote", "--env", "dev", "--agent", "faq-bot")
    assert result.code == 2
    assert "FAIL  bindings: dev has no value for policies_kb" in result.out


def test_promote_from_another_environment(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev").code == 0
    dev = {r.agent: r for r in history(project, "dev")}
    commit_change(project, "faq-bot", "Be brief.", "newer, not yet in dev")
    record_passing_evals(project, "test")  # faq-bot's verdict is for the new digest only
    result = cli("promote", "--env", "test", "--from", "dev", "--agent", "faq-bot")
    assert result.code == 2
    assert "no eval verdict is recorded for " + dev["faq-bot"].artifact_digest[7:19] in result.out
    result = cli("promote", "--env", "test", "--from", "dev", "--agent", "support-triage")
    assert result.code == 0, result
    (test,) = history(project, "test")
    assert test.artifact_digest == dev["support-triage"].artifact_digest
    assert test.commit == dev["support-triage"].commit


def test_dry_run_prints_the_decision_and_changes_nothing(cli, project: Path) -> None:
    result = cli("promote", "--env", "dev", "--dry-run")
    assert result.code == 0
    assert result.out.startswith(
        "promote to dev (dry run): the gate allows it, nothing was applied"
    )
    assert history(project) == () and deployed_files(project) == []


def test_an_apply_failure_is_recorded_as_failed(cli, project: Path) -> None:
    blocker = project / ".agentcd" / "deployed" / "dev"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where the environment folder goes")
    result = cli("promote", "--env", "dev", "--agent", "faq-bot")
    assert result.code == 1, result
    (record,) = history(project)
    assert record.status is Status.FAILED and record.kind is Kind.PROMOTE
    assert record.note.startswith("deploying faq-bot to dev: writing ")
    blocker.unlink()
    retry = cli("promote", "--env", "dev", "--agent", "faq-bot")
    assert retry.code == 0
    assert [r.status for r in history(project)] == [Status.FAILED, Status.SUCCEEDED]


def test_unknown_environment_and_agent_are_errors(cli, project: Path) -> None:
    assert cli("promote", "--env", "qa").err == (
        "error: no environment named 'qa' (agentcd.yaml has dev, test, prod)\n"
    )
    result = cli("promote", "--env", "dev", "--agent", "nope")
    assert result.code == 1
    assert "no agent nope in the committed definitions" in result.err


def test_promoting_what_runs_repairs_drift(cli, project: Path) -> None:
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    path = project / ".agentcd" / "deployed" / "dev" / "faq-bot.json"
    path.write_text(path.read_text().replace("shipping times", "shipping rumours"))
    result = cli("promote", "--env", "dev", "--agent", "faq-bot")
    assert result.code == 0, result
    assert "ok    drift: #1 is recorded as running, but the platform has drifted" in result.out
    assert [r.seq for r in history(project)] == [1, 2]
    assert "shipping times" in live_file(project, "dev", "faq-bot")["agent"]["instructions"]  # type: ignore[index]
    assert cli("drift", "--env", "dev", "--exit-code").code == 0


def test_promotion_reports(cli, project: Path, golden) -> None:
    assert cli("promote", "--env", "dev", "--actor", "ana").code == 0
    refused = cli("promote", "--env", "prod", "--agent", "support-triage")
    golden("promotion/promote-refused.txt", scrub(refused.out, project))
    record_passing_evals(project, "test")
    done = cli("promote", "--env", "test", "--format", "json")
    golden("promotion/promote-test.json", scrub(done.out, project))
