"""actions/install.sh: when it reuses an agentcd and when it puts its own venv on the PATH.

The pip install itself needs a package index, so it is exercised on real runners only; these
cases stop before it (an agentcd of the action's version on PATH, or the job's venv present).
"""

from __future__ import annotations

import os
import stat
import subprocess
import tomllib
from pathlib import Path

from tests.conftest import ROOT

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def fake_agentcd(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "agentcd"
    script.write_text(f"#!/bin/sh\necho 'agentcd, version {version}'\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder


def install(tmp_path: Path, *path: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    github_path = tmp_path / "github_path"
    github_path.touch()
    system = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    system = [p for p in system if not (Path(p) / "agentcd").exists()]
    env = {
        "PATH": os.pathsep.join([*map(str, path), *system]),
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "GITHUB_PATH": str(github_path),
    }
    done = subprocess.run(
        ["bash", str(ROOT / "actions" / "install.sh")], env=env, capture_output=True, text=True
    )
    return done, github_path.read_text(encoding="utf-8")


def test_an_agentcd_of_the_same_version_on_path_is_reused(tmp_path: Path) -> None:
    done, added = install(tmp_path, fake_agentcd(tmp_path / "image", VERSION))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"agentcd {VERSION} already installed: {tmp_path / 'image' / 'agentcd'}\n"
    assert added == ""
    assert not (tmp_path / "runner").exists()


def test_another_version_is_not_reused_and_the_jobs_venv_is(tmp_path: Path) -> None:
    venv_bin = fake_agentcd(tmp_path / "runner" / "agentcd-venv" / "bin", VERSION)
    done, added = install(tmp_path, fake_agentcd(tmp_path / "image", "0.0.1"))
    assert done.returncode == 0, done.stderr
    assert added == f"{venv_bin}\n"
    assert done.stdout == f"agentcd {VERSION} installed in {venv_bin.parent}\n"


def test_outside_a_runner_it_says_what_is_missing(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "actions" / "install.sh")],
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "RUNNER_TEMP is not set" in done.stderr
