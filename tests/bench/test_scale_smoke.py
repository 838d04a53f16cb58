"""The scale benchmark's repository at a tiny size: the diff it times reports what was changed.

Not a timing test: it checks that the generated revisions differ exactly where the generator
says, so the benchmark measures a diff of real changes.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.genrepo import TINY, agent_name, generate, open_repo

# The generator's five kinds of change, in the order it applies them to the changed agents.
EXPECTED_PATHS = [
    ["instructions"],
    ["model.parameters.temperature"],
    ["tools[cancel_order]"],
    ["skills[skill-0].files[SKILL.md]"],
    ["tools[tool_0].spec"],
]


def test_the_diff_reports_exactly_the_changed_agents(cli, tmp_path: Path) -> None:
    repo = generate(tmp_path / "repo", TINY)
    result = cli(
        "diff", "--base", repo.base, "--head", repo.head, "--format", "json", cwd=repo.path
    )
    assert result.code == 0, result
    report = json.loads(result.out)
    changed = {a["name"]: a for a in report["agents"] if a["status"] != "unchanged"}
    assert sorted(changed) == sorted(repo.changed)
    assert len(report["agents"]) == TINY.agents
    paths = [[c["path"] for c in changed[name]["changes"]] for name in repo.changed]
    assert paths == EXPECTED_PATHS


def test_unchanged_agents_keep_their_digests(cli, tmp_path: Path) -> None:
    repo = generate(tmp_path / "repo", TINY)

    def digests(rev: str) -> dict[str, str]:
        result = cli("build", "--rev", rev, "--format", "json", cwd=repo.path)
        assert result.code == 0, result
        return {b["name"]: b["digest"] for b in json.loads(result.out)["bundles"]}

    base, head = digests(repo.base), digests(repo.head)
    differ = sorted(name for name in base if base[name] != head[name])
    assert differ == sorted(repo.changed)
    assert sorted(base) == [agent_name(i) for i in range(TINY.agents)]


def test_the_repository_is_the_same_on_every_run_and_reopens(tmp_path: Path) -> None:
    first = generate(tmp_path / "one", TINY)
    second = generate(tmp_path / "two", TINY)
    assert (first.base, first.head) == (second.base, second.head)
    assert open_repo(first.path) == first
