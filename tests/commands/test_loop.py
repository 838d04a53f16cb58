"""The loop in docs/promotion.md, run exactly as written on a fresh copy of the example."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

DOC = ROOT / "docs" / "promotion.md"


def loop_script() -> str:
    match = re.search(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert match, "docs/promotion.md lost its shell loop"
    return match.group(1)


def test_the_documented_loop_works_end_to_end(tmp_path: Path) -> None:
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
    script = loop_script() + '\necho "PROJECT=$PWD"\n'
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "drift found (exit 2)" in out
    assert "prod is in sync" in out
    assert "support-triage in prod: version 3" in out  # v1, v2, then v1 again by rollback
    project = Path(out.rsplit("PROJECT=", 1)[1].strip())
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
