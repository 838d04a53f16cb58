"""The example's loop script (the README's quick start), run as written; docs show it verbatim."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, git

DOC = ROOT / "docs" / "promotion.md"
SCRIPT = ROOT / "examples" / "support-desk" / "loop.sh"


def test_the_docs_show_the_script_as_it_is() -> None:
    match = re.search(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert match, "docs/promotion.md lost its shell loop"
    body = SCRIPT.read_text(encoding="utf-8").split("set -euo pipefail\n", 1)[1].lstrip("\n")
    assert match.group(1) == body


FIRST_COMMIT = 'git init -q -b main && git add -A && git commit -q -m "Support desk agents"\n'


def git_ledger_script() -> str:
    """The documented switch to the git ledger, run right after the loop's first commit."""
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    found = [b for b in blocks if "ledger: {backend: git}" in b]
    assert len(found) == 1, "docs/promotion.md lost its git ledger snippet"
    return found[0]


@pytest.mark.parametrize("backend", ["sqlite", "git"])
def test_the_documented_loop_works_end_to_end(tmp_path: Path, backend: str) -> None:
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
        "AGENTCD_ACTOR": "ana",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ana",
        "GIT_AUTHOR_EMAIL": "ana@example.invalid",
        "GIT_COMMITTER_NAME": "Ana",
        "GIT_COMMITTER_EMAIL": "ana@example.invalid",
    }
    script = SCRIPT.read_text(encoding="utf-8")
    if backend == "git":
        assert FIRST_COMMIT in script
        script = script.replace(FIRST_COMMIT, FIRST_COMMIT + git_ledger_script())
    # Run as a file of its own, still copying the example beside the real script.
    script = script.replace('"$(dirname "$0")"', f'"{SCRIPT.parent}"')
    (tmp_path / "loop.sh").write_text(script, encoding="utf-8")
    done = subprocess.run(
        ["bash", str(tmp_path / "loop.sh")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "drift found (exit 2)" in out
    assert "prod is in sync" in out
    assert "support-triage in prod: version 1" in out  # v1, v2, then v1 again by rollback
    assert "re-pointed to version 1" in out
    project = Path(out.rsplit("The example project is in ", 1)[1].strip())
    assert project.is_relative_to(tmp_path)

    live = json.loads((project / ".agentcd/deployed/prod/support-triage.json").read_text())
    assert "Greet the customer" not in live["agent"]["instructions"]
    assert "Promise a refund" not in live["agent"]["instructions"]
    audit = out[out.index("# Audit: prod") :]
    assert "| 3 | support-triage |" in audit and "rollback to \\#1" not in audit
    assert "rollback to #1" in audit
    assert "| lee |" in audit  # the approver is on record
    status = out[out.index("AGENT ") :].splitlines()
    row = next(line for line in status if line.startswith("support-triage "))
    assert row.count("in sync") == 3  # dev, test and prod
    if backend == "git":
        assert not (project / ".agentcd" / "ledger.db").exists()
        remote = project.parent / "ledger-remote.git"
        lines = git(remote, "show", "agentcd-ledger:deployments/prod/support-triage.jsonl")
        events = [json.loads(line)["event"] for line in lines.splitlines()]
        assert events == ["claim", "finish"] * 3  # v1, v2, then v1 again by rollback
