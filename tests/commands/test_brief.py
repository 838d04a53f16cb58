"""`agentcd brief`: the approval brief, on a real repository and SQLite ledger."""

from __future__ import annotations

import json
from pathlib import Path

from tests.commands.deploying import (  # noqa: F401 (fixtures)
    clock_fixture,
    commit_change,
    project_fixture,
    record_passing_evals,
    scrub,
)

AGENTS = ["faq-bot", "refund-bot", "support-triage"]


def build(cli, out: Path) -> list[str]:
    result = cli("build", "--out", str(out))
    assert result.code == 0, result
    return [f"--expect-digest={name}={digest}" for name, digest in
            (line.split() for line in result.out.splitlines())]  # fmt: skip


def promote(cli, project: Path, env: str, out: Path, expect: list[str]) -> None:
    record_passing_evals(project, env)
    approver = ["--approver", "lee"] if env == "prod" else []
    result = cli("promote", "--env", env, "--bundle", str(out), *expect, *approver)
    assert result.code == 0, result


def release(cli, project: Path, out: Path, envs: tuple[str, ...]) -> None:
    expect = build(cli, out)
    for env in envs:
        promote(cli, project, env, out, expect)


def test_the_brief_compares_with_what_prod_runs_and_shows_drift(
    cli, project: Path, tmp_path: Path, golden
) -> None:
    release(cli, project, tmp_path / "one", ("dev", "test", "prod"))
    commit_change(project, "support-triage", "Sign every answer.", "Sign answers (#43)")
    release(cli, project, tmp_path / "two", ("dev", "test"))
    live = project / ".agentcd" / "deployed" / "prod" / "support-triage.json"
    config = json.loads(live.read_text())
    config["agent"]["instructions"] += "\nAlways offer a discount.\n"
    live.write_text(json.dumps(config))
    result = cli("brief", "--env", "prod", "--bundle", str(tmp_path / "two"))
    assert result.code == 0, result
    golden("brief/prod-after-test.md", scrub(result.out, project))


def test_the_first_environment_has_no_previous_stage(
    cli, project: Path, tmp_path: Path, golden
) -> None:
    build(cli, tmp_path / "one")
    result = cli("brief", "--env", "dev", "--bundle", str(tmp_path / "one"),
                 "--agent", "faq-bot")  # fmt: skip
    assert result.code == 0, result
    golden("brief/dev-first.md", scrub(result.out, project))


def test_a_candidate_the_previous_environment_does_not_run_is_flagged(
    cli, project: Path, tmp_path: Path
) -> None:
    release(cli, project, tmp_path / "one", ("dev", "test", "prod"))
    commit_change(project, "faq-bot", "Say hello.", "Greet (#44)")
    release(cli, project, tmp_path / "two", ("dev",))
    result = cli("brief", "--env", "prod", "--bundle", str(tmp_path / "two"), "--format", "json")
    assert result.code == 0, result
    agents = {a["agent"]: a for a in json.loads(result.out)["agents"]}
    assert {a: agents[a]["replacement"] for a in AGENTS} == {
        "faq-bot": "changed",
        "refund-bot": "unchanged",
        "support-triage": "unchanged",
    }
    assert agents["faq-bot"]["previous"] == {
        "environment": "test",
        "runs_candidate": False,
        "seq": None,
        "eval_verdict": None,
    }
    markdown = cli("brief", "--env", "prod", "--bundle", str(tmp_path / "two")).out
    assert "> **test** does not run this artifact: the gate will refuse it." in markdown


def test_a_tampered_bundle_is_an_error(cli, project: Path, tmp_path: Path) -> None:
    build(cli, tmp_path / "one")
    bundle = tmp_path / "one" / "faq-bot.bundle.json"
    data = json.loads(bundle.read_text())
    data["artifact"]["model"]["id"] = "gpt-5"
    bundle.write_text(json.dumps(data))
    result = cli("brief", "--env", "dev", "--bundle", str(bundle))
    assert result.code == 1
    assert "tampered" in result.err and "Traceback" not in result.err


def test_unknown_environment_or_agent_is_an_error(cli, project: Path, tmp_path: Path) -> None:
    build(cli, tmp_path / "one")
    bundles = str(tmp_path / "one")
    assert "no environment named 'staging'" in cli("brief", "--env", "staging",
                                                   "--bundle", bundles).err  # fmt: skip
    assert "no bundle for nope" in cli("brief", "--env", "dev", "--bundle", bundles,
                                       "--agent", "nope").err  # fmt: skip
