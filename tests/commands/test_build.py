"""`agentcd build`: bundles, digests, --rev, --verify."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import git


def test_build_prints_one_digest_per_agent(cli, repo: Path) -> None:
    result = cli("build", cwd=repo)
    assert result.code == 0, result
    names = [line.split()[0] for line in result.out.splitlines()]
    assert names == ["faq-bot", "refund-bot", "support-triage"]
    assert all(line.split()[1].startswith("sha256:") for line in result.out.splitlines())


def test_build_from_revision_matches_working_tree(cli, repo: Path) -> None:
    work = json.loads(cli("build", "--format", "json", cwd=repo).out)
    (repo / "agents" / "faq-bot" / "agent.yaml").write_text("broken: [", encoding="utf-8")
    at_head = json.loads(cli("build", "--rev", "HEAD", "--format", "json", cwd=repo).out)
    assert [b["digest"] for b in at_head["bundles"]] == [b["digest"] for b in work["bundles"]]
    assert at_head["bundles"][0]["commit"] == git(repo, "rev-parse", "HEAD").strip()


def test_verify_refuses_a_tampered_bundle(cli, repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundles"
    assert cli("build", "--agent", "refund-bot", "--out", str(out), cwd=repo).code == 0
    bundle = out / "refund-bot.bundle.json"
    assert cli("build", "--verify", str(bundle)).code == 0
    data = json.loads(bundle.read_text())
    data["artifact"]["model"]["id"] = "gpt-4.1-2025-04-14"
    bundle.write_text(json.dumps(data))
    result = cli("build", "--verify", str(bundle))
    assert result.code == 1
    assert "tampered bundle" in result.err
    assert "Traceback" not in result.err


def test_unknown_agent_is_a_clear_error(cli, repo: Path) -> None:
    result = cli("build", "--agent", "nope", cwd=repo)
    assert result.code == 1
    assert "no agent named nope" in result.err
