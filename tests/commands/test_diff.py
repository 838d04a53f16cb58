"""`agentcd diff` on real git repositories and bundle files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.commands.deploying import (  # noqa: F401 (fixtures)
    clock_fixture,
    project_fixture,
    record_passing_evals,
)
from tests.conftest import git

TRIAGE = Path("agents/support-triage/agent.yaml")
FAQ = Path("agents/faq-bot/agent.yaml")
AGENTS = {"faq-bot", "refund-bot", "support-triage"}


def edit(repo: Path, path: Path, old: str, new: str) -> None:
    file = repo / path
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    file.write_text(text.replace(old, new), encoding="utf-8")


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def diff_json(cli, repo: Path, *args: str) -> dict:  # type: ignore[no-untyped-def]
    result = cli("diff", "--format", "json", *args, cwd=repo)
    assert result.code == 0, result
    return json.loads(result.out)


def paths(data: dict, agent: str) -> list[str]:
    entry = next(a for a in data["agents"] if a["name"] == agent)
    return [c["path"] for c in entry["changes"]]


def test_two_commits_with_base_and_head(cli, repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    edit(repo, TRIAGE, "temperature: 0.2", "temperature: 0.3")
    second = commit(repo, "warmer")
    edit(repo, TRIAGE, "id: gpt-4.1-2025-04-14", "id: gpt-5-2025-08-07")  # not committed
    data = diff_json(cli, repo, "--base", first, "--head", second)
    assert data["base"] == {"label": f"revision {first}", "commit": first}
    assert data["head"] == {"label": f"revision {second}", "commit": second}
    assert paths(data, "support-triage") == ["model.parameters.temperature"]
    statuses = {a["name"]: a["status"] for a in data["agents"]}
    assert statuses == {
        "faq-bot": "unchanged",
        "refund-bot": "unchanged",
        "support-triage": "changed",
    }


def test_head_defaults_to_the_working_tree(cli, repo: Path) -> None:
    edit(repo, TRIAGE, "id: gpt-4.1-2025-04-14", "id: gpt-5-2025-08-07")
    (repo / "agents/support-triage/instructions.md").write_text("Be terse.\n", encoding="utf-8")
    data = diff_json(cli, repo, "--base", "HEAD")
    assert data["head"]["label"] == "working tree"
    assert paths(data, "support-triage") == ["model.id", "instructions"]
    assert data["risk"] == "high"


def test_base_defaults_to_the_merge_base_with_main(cli, repo: Path) -> None:
    start = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    edit(repo, TRIAGE, "temperature: 0.2", "temperature: 0.3")
    commit(repo, "feature change")
    git(repo, "checkout", "-q", "main")
    edit(repo, FAQ, "temperature: 0.3", "temperature: 0.1")  # lands on main after branching
    commit(repo, "main moves on")
    git(repo, "checkout", "-q", "feature")
    edit(repo, TRIAGE, "approval: never", "approval: always")  # uncommitted, still counted
    data = diff_json(cli, repo)
    assert data["base"] == {"label": "merge base with main", "commit": start}
    assert paths(data, "faq-bot") == []
    assert paths(data, "support-triage") == [
        "model.parameters.temperature",
        "tools[route_ticket].approval",
    ]


def test_origin_head_wins_over_main(cli, repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "trunk", str(remote))
    git(repo, "branch", "-m", "main", "trunk")
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "trunk")
    git(repo, "remote", "set-head", "origin", "trunk")
    git(repo, "branch", "main")  # a stale local main must not be preferred
    git(repo, "checkout", "-q", "-b", "feature")
    edit(repo, FAQ, "temperature: 0.3", "temperature: 0.1")
    trunk_head = git(repo, "rev-parse", "HEAD").strip()
    data = diff_json(cli, repo)
    assert data["base"] == {"label": "merge base with origin/HEAD", "commit": trunk_head}
    assert paths(data, "faq-bot") == ["model.parameters.temperature"]


def test_no_default_branch_asks_for_base(cli, repo: Path) -> None:
    git(repo, "branch", "-m", "main", "trunk")
    result = cli("diff", cwd=repo)
    assert result.code == 1
    assert "no default branch" in result.err and "--base" in result.err
    assert "Traceback" not in result.err


def test_outside_git_the_base_must_be_given(cli, tmp_path: Path) -> None:
    import shutil

    from tests.conftest import EXAMPLE

    shutil.copytree(EXAMPLE, tmp_path / "plain")
    result = cli("diff", cwd=tmp_path / "plain")
    assert result.code == 1
    assert "no git history" in result.err and "--base" in result.err


def test_bad_revision_is_a_clear_error(cli, repo: Path) -> None:
    result = cli("diff", "--base", "no-such-rev", cwd=repo)
    assert result.code == 1
    assert result.err.startswith("error: diffing: ")
    assert "'no-such-rev'" in result.err
    assert len(result.err.splitlines()) == 1, "one message, no traceback"


def test_head_that_fails_to_load_names_file_and_field(cli, repo: Path) -> None:
    edit(repo, TRIAGE, "type: openapi", "type: soap")
    result = cli("diff", "--base", "HEAD", cwd=repo)
    assert result.code == 1
    assert result.err.startswith(
        "error: diffing: loading the working tree: agents/support-triage/agent.yaml: tools[0].type:"
    ), result.err


def test_base_without_a_project_has_every_agent_added(cli, repo: Path) -> None:
    git(repo, "checkout", "-q", "--orphan", "empty")
    git(repo, "rm", "-rq", "--cached", ".")
    (repo / "README").write_text("nothing yet\n", encoding="utf-8")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "empty")
    data = diff_json(cli, repo, "--base", "empty", "--head", "main")
    assert {a["name"]: a["status"] for a in data["agents"]} == {
        "faq-bot": "added",
        "refund-bot": "added",
        "support-triage": "added",
    }


@pytest.mark.parametrize(("changed", "code"), [(False, 0), (True, 2)])
def test_exit_code(cli, repo: Path, changed: bool, code: int) -> None:
    if changed:
        edit(repo, FAQ, "temperature: 0.3", "temperature: 0.1")
    assert cli("diff", "--base", "HEAD", "--exit-code", cwd=repo).code == code
    assert cli("diff", "--base", "HEAD", cwd=repo).code == 0


def test_agent_filter(cli, repo: Path) -> None:
    edit(repo, FAQ, "temperature: 0.3", "temperature: 0.1")
    edit(repo, TRIAGE, "temperature: 0.2", "temperature: 0.3")
    data = diff_json(cli, repo, "--base", "HEAD", "--agent", "faq-bot")
    assert [a["name"] for a in data["agents"]] == ["faq-bot"]
    result = cli("diff", "--base", "HEAD", "--agent", "nope", cwd=repo)
    assert result.code == 1
    assert "no agent named nope (known: faq-bot, refund-bot, support-triage)" in result.err


def test_bundles(cli, repo: Path, tmp_path: Path) -> None:
    assert cli("build", "--agent", "refund-bot", "--out", str(tmp_path / "a"), cwd=repo).code == 0
    edit(repo, Path("agents/refund-bot/agent.yaml"), "approval: always", "approval: never")
    assert cli("build", "--agent", "refund-bot", "--out", str(tmp_path / "b"), cwd=repo).code == 0
    a, b = (tmp_path / d / "refund-bot.bundle.json" for d in "ab")
    result = cli("diff", "--bundle", str(a), "--bundle", str(b), "--format", "json", "--exit-code")
    assert result.code == 2, result
    data = json.loads(result.out)
    assert data["base"]["label"] == f"bundle {a}"
    (agent,) = data["agents"]
    assert [(c["path"], c["risk"]) for c in agent["changes"]] == [
        ("tools[issue_refund].approval", "high")
    ]


def test_tampered_bundle_is_refused(cli, repo: Path, tmp_path: Path) -> None:
    assert cli("build", "--agent", "faq-bot", "--out", str(tmp_path), cwd=repo).code == 0
    bundle = tmp_path / "faq-bot.bundle.json"
    data = json.loads(bundle.read_text())
    data["artifact"]["instructions"] = "Do anything.\n"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data))
    result = cli("diff", "--bundle", str(bundle), "--bundle", str(tampered))
    assert result.code == 1
    assert "tampered bundle" in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bundle", "{b}"], "exactly two files"),
        (["--bundle", "{b}", "--bundle", "{b}", "--base", "HEAD"], "not both"),
    ],
)
def test_bundle_usage_errors(
    cli, repo: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    assert cli("build", "--agent", "faq-bot", "--out", str(tmp_path), cwd=repo).code == 0
    bundle = str(tmp_path / "faq-bot.bundle.json")
    result = cli("diff", *(a.format(b=bundle) for a in args))
    assert result.code == 1
    assert message in result.err


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
def test_output_file(cli, repo: Path, tmp_path: Path, fmt: str) -> None:
    edit(repo, TRIAGE, "temperature: 0.2", "temperature: 0.3")
    out = tmp_path / "out" / f"diff.{fmt}"
    result = cli("diff", "--base", "HEAD", "--format", fmt, "--output", str(out), cwd=repo)
    assert result.code == 0 and result.out == ""
    assert "model.parameters.temperature" in out.read_text(encoding="utf-8")


# --- `diff --env A --env B`: what two environments run, on a real SQLite ledger ------------


def promote(cli, env: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("promote", "--env", env)
    assert result.code == 0, result


@pytest.fixture
def deployed(cli, project: Path) -> Path:  # type: ignore[no-untyped-def]
    """dev and test run the first commit; then support-triage changes and reaches dev only."""
    promote(cli, "dev")
    record_passing_evals(project, "test")
    promote(cli, "test")
    edit(project, TRIAGE, "temperature: 0.2", "temperature: 0.4")
    instructions = project / "agents/support-triage/instructions.md"
    instructions.write_text(instructions.read_text() + "Greet the customer by name.\n")
    git(project, "commit", "-q", "-am", "warmer and friendlier")  # not the ledger's files
    promote(cli, "dev")
    return project


def test_env_diff_shows_the_artifact_change_and_the_bindings_apart(cli, deployed: Path) -> None:
    data = diff_json(cli, deployed, "--env", "test", "--env", "dev")
    assert data["base"]["label"] == "environment test"
    assert data["head"]["label"] == "environment dev"
    statuses = {a["name"]: a["status"] for a in data["agents"]}
    assert statuses == {
        "faq-bot": "unchanged",
        "refund-bot": "unchanged",
        "support-triage": "changed",
    }
    assert paths(data, "support-triage") == ["instructions", "model.parameters.temperature"]
    envs = data["environments"]
    triage = next(b for b in envs["bindings"] if b["agent"] == "support-triage")
    assert triage["changes"] == [
        {
            "name": "orders_api",
            "base": "https://orders.test.example.com",
            "head": "http://127.0.0.1:8081/orders",
        },
        {"name": "policies_kb", "base": "kb-test", "head": "kb-dev"},
    ]
    assert envs["live_in_sync"] is True
    assert {n["state"] for side in ("base", "head") for n in envs[side]["live"]} == {"in_sync"}


def test_env_diff_text_puts_artifacts_first_then_bindings_then_live_state(
    cli, deployed: Path
) -> None:
    result = cli("diff", "--env", "test", "--env", "dev", cwd=deployed)
    assert result.code == 0, result
    out = result.out
    marks = [
        "support-triage: changed, medium risk",
        "    ~ model.parameters.temperature  model parameter changed",
        "bindings (expected to differ per environment): test → dev",
        '    policies_kb  "kb-test" → "kb-dev"',
        "live state",
        "  dev: in sync: faq-bot, refund-bot, support-triage",
    ]
    assert all(m in out for m in marks), out
    assert [out.index(m) for m in marks] == sorted(out.index(m) for m in marks)
    artifact_part = out[: out.index("bindings (")]
    assert "kb-dev" not in artifact_part and "orders_api" not in artifact_part


def test_a_hand_edit_in_an_environment_is_a_live_note_and_exits_2(cli, deployed: Path) -> None:
    live = deployed / ".agentcd/deployed/dev/support-triage.json"
    live.write_text(live.read_text().replace("Greet the customer by name.", "Promise refunds."))
    result = cli("diff", "--env", "test", "--env", "dev", "--exit-code", cwd=deployed)
    assert result.code == 2, result
    assert (
        "  dev: support-triage is drifted — what runs is not its recorded release "
        "(the live configuration differs from the approved one); run `agentcd drift --env dev`\n"
    ) in result.out
    assert "  test: in sync: faq-bot, refund-bot, support-triage\n" in result.out
    assert "  dev: in sync: faq-bot, refund-bot\n" in result.out


@pytest.mark.parametrize("hand_edit", [False, True])
def test_only_bindings_differ_is_not_a_difference_unless_live_drifted(
    cli, project: Path, hand_edit: bool
) -> None:
    promote(cli, "dev")
    record_passing_evals(project, "test")
    promote(cli, "test")
    if hand_edit:
        live = project / ".agentcd/deployed/test/faq-bot.json"
        live.write_text(live.read_text().replace("kb-test", "kb-prod"))
    result = cli("diff", "--env", "dev", "--env", "test", "--exit-code", "--format", "json")
    assert result.code == (2 if hand_edit else 0), result
    data = json.loads(result.out)
    assert data["differs"] is False
    assert {b["agent"] for b in data["environments"]["bindings"]} == AGENTS
    assert data["environments"]["compared"] == sorted(AGENTS)
    faq = next(n for n in data["environments"]["head"]["live"] if n["agent"] == "faq-bot")
    assert faq["state"] == ("drifted" if hand_edit else "in_sync")


def test_an_agent_in_one_environment_only_is_added(cli, project: Path) -> None:
    promote(cli, "dev")
    result = cli("diff", "--env", "test", "--env", "dev", "--format", "md", "--exit-code")
    assert result.code == 2, result
    assert "## agentcd diff · 3 of 3 agents changed" in result.out
    assert "| `faq-bot` | added |" in result.out
    assert "- `test`: no agent is deployed or running" in result.out
    bindings = result.out[result.out.index("### Bindings") : result.out.index("### Live state")]
    assert "No agent is deployed in both `test` and `dev`." in bindings


def test_env_diff_agent_filter(cli, deployed: Path) -> None:
    data = diff_json(cli, deployed, "--env", "test", "--env", "dev", "--agent", "faq-bot")
    assert [a["name"] for a in data["agents"]] == ["faq-bot"]
    assert [b["agent"] for b in data["environments"]["bindings"]] == ["faq-bot"]
    assert [n["agent"] for n in data["environments"]["head"]["live"]] == ["faq-bot"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--env", "test"],
            "--env takes exactly two environments (base, head), got 1 "
            "(for example --env test --env OTHER)",
        ),
        (["--env", "a", "--env", "b", "--env", "c"], "got 3"),
        (["--env", "test", "--env", "dev", "--base", "HEAD"], "not both"),
        (["--env", "test", "--env", "dev", "--head", "HEAD"], "not both"),
        (["--env", "test", "--env", "test"], "run `agentcd drift --env test`"),
        (["--env", "test", "--env", "staging"], "diffing: no environment named 'staging'"),
    ],
)
def test_env_usage_errors(cli, repo: Path, args: list[str], message: str) -> None:
    result = cli("diff", *args, cwd=repo)
    assert result.code == 1, result
    assert message in result.err
    assert "Traceback" not in result.err


def test_an_unrecorded_agent_running_in_an_environment_is_noted(cli, deployed: Path) -> None:
    folder = deployed / ".agentcd/deployed/test"
    (folder / "stray-bot.json").write_text((folder / "faq-bot.json").read_text())
    result = cli("diff", "--env", "test", "--env", "dev", "--agent", "stray-bot", cwd=deployed)
    assert result.code == 0, result
    assert (
        "  test: stray-bot is drifted — what runs is not its recorded release "
        "(runs something the ledger never recorded here); run `agentcd drift --env test`\n"
    ) in result.out
    assert "0 agents:" in result.out, "nothing recorded: no artifact to compare"
