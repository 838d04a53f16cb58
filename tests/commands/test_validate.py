"""`agentcd validate`: findings with file, line, field and rule; JSON; --rev; exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import git

REFUND = "agents/refund-bot/agent.yaml"
FAQ = "agents/faq-bot/agent.yaml"


def edit(repo: Path, file: str, old: str, new: str) -> None:
    path = repo / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def break_project(repo: Path) -> None:
    """Two errors and two warnings, in two files."""
    edit(repo, REFUND, "id: gpt-4.1-mini-2025-04-14", "id: gpt-4.1-mini")
    edit(repo, REFUND, "    approval: always\n", "")
    edit(repo, FAQ, "  owners: [team-support]\n", "")
    edit(repo, "agentcd.yaml", "      crm_mcp: https://crm.test.example.com/mcp\n", "")


def test_the_example_has_no_findings(cli, repo: Path) -> None:
    result = cli("validate", cwd=repo)
    assert (result.code, result.err) == (0, ""), result
    assert result.out == "3 agents checked in the working tree: no findings\n"


def test_errors_show_file_line_field_and_rule(cli, repo: Path, golden) -> None:
    break_project(repo)
    result = cli("validate", cwd=repo)
    assert result.code == 1, result
    lines = result.out.splitlines()
    assert "agentcd.yaml:16: environments[1].bindings.crm_mcp: error AC107: " in result.out
    assert f"{REFUND}:16: model.id: error AC101: " in result.out
    assert f"{REFUND}:25: tools[1].approval: warning AC104: " in result.out  # the tool
    assert f"{FAQ}:4: metadata.owners: warning AC105: " in result.out  # `metadata`
    assert lines[-1] == "3 agents checked in the working tree: 2 errors, 2 warnings"
    golden("validate/broken.txt", result.out)


def test_warnings_alone_do_not_fail(cli, repo: Path) -> None:
    edit(repo, FAQ, "  owners: [team-support]\n", "")
    result = cli("validate", cwd=repo)
    assert result.code == 0, result
    assert result.out.endswith("3 agents checked in the working tree: 0 errors, 1 warning\n")


def test_json_report(cli, repo: Path, golden) -> None:
    break_project(repo)
    result = cli("validate", "--format", "json", cwd=repo)
    assert result.code == 1, result
    report = json.loads(result.out)
    assert report["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert (report["ok"], report["errors"], report["warnings"]) == (False, 2, 2)
    assert report["findings"][0] == {
        "rule": "AC107",
        "severity": "error",
        "file": "agentcd.yaml",
        "line": 16,
        "field": "environments[1].bindings.crm_mcp",
        "message": "environment 'test' has no value for binding 'crm_mcp', "
        f"declared by refund-bot ({REFUND}: tools[0].binding)",
    }
    report["commit"] = "<commit>"
    golden("validate/broken.json", json.dumps(report, indent=2) + "\n")


def test_output_file(cli, repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "validate.json"
    result = cli("validate", "--format", "json", "--output", str(target), cwd=repo)
    assert (result.code, result.out) == (0, "")
    assert json.loads(target.read_text())["ok"] is True


def test_rev_reads_the_revision_and_its_lines(cli, repo: Path) -> None:
    edit(repo, REFUND, "id: gpt-4.1-mini-2025-04-14", "id: gpt-4.1-mini")
    git(repo, "commit", "-q", "-am", "float the model")
    edit(repo, REFUND, "id: gpt-4.1-mini\n", "id: gpt-4.1-mini-2025-04-14\n")
    assert cli("validate", cwd=repo).code == 0
    edit(repo, "agentcd.yaml", "apiVersion", "\n\napiVersion")  # moves lines in the working tree
    result = cli("validate", "--rev", "HEAD", cwd=repo)
    assert result.code == 1, result
    assert f"{REFUND}:16: model.id: error AC101" in result.out
    assert "in the revision HEAD: 1 error, 0 warnings" in result.out
    assert (
        json.loads(cli("validate", "--rev", "HEAD~1", "--format", "json", cwd=repo).out)["rev"]
        == "HEAD~1"
    )


def test_a_project_that_does_not_load_is_an_error(cli, repo: Path) -> None:
    edit(repo, REFUND, "side_effects: true", "side_effects: maybe")
    result = cli("validate", cwd=repo)
    assert result.code == 1
    assert result.out == ""
    assert f"{REFUND}: tools[1].side_effects:" in result.err
    assert "Traceback" not in result.err


def test_unknown_revision_is_an_error(cli, repo: Path) -> None:
    result = cli("validate", "--rev", "no-such-branch", cwd=repo)
    assert result.code == 1
    assert "'no-such-branch'" in result.err
    assert "Traceback" not in result.err


def test_in_ci_state_inside_the_checkout_is_a_warning_and_error_on_makes_it_an_error(
    cli, repo: Path, monkeypatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_ACTOR", "ana")
    result = cli("validate", "--format", "json", cwd=repo)
    assert result.code == 0, result  # warnings alone do not fail
    found = [(f["field"], f["severity"], f["line"]) for f in json.loads(result.out)["findings"]]
    assert found == [("targets.local.path", "warning", 29), ("ledger", "warning", 30)]
    refused = cli("validate", "--error-on", "AC110", cwd=repo)
    assert refused.code == 1, refused
    assert "agentcd.yaml:30: ledger: error AC110: the sqlite ledger .agentcd/ledger.db is " in (
        refused.out
    )
    assert "use `ledger: {backend: git}`" in refused.out
    edit(
        repo,
        "agentcd.yaml",
        "ledger: {backend: sqlite, path: .agentcd/ledger.db}",
        "ledger: {backend: git}",
    )
    edit(repo, "agentcd.yaml", "path: .agentcd/deployed,", "path: /srv/agentcd/deployed,")
    assert cli("validate", "--error-on", "AC110", cwd=repo).code == 0  # kept by the runner


def test_outside_ci_the_checkout_is_the_state_and_nothing_is_said(cli, repo: Path) -> None:
    result = cli("validate", "--error-on", "AC110", cwd=repo)
    assert result.code == 0 and "AC110" not in result.out


def test_error_on_an_unknown_rule_is_an_error(cli, repo: Path) -> None:
    result = cli("validate", "--error-on", "AC999", cwd=repo)
    assert result.code == 1 and "--error-on: no rule AC999" in result.err
