"""actions/install.sh: when it reuses an agentcd and when it installs its own from the lock.

The locked pip install itself needs a package index, so these cases stop before it (an agentcd
built from this source on PATH, or the job's venv present), but one: a source that differs
makes it install, and `pip` is replaced by a recorder that shows the hash-checked commands.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from agentcd.source import source_digest
from tests.conftest import ROOT

SOURCE = source_digest(ROOT / "src" / "agentcd")[7:19]


def fake_agentcd(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "agentcd"
    script.write_text(f"#!/bin/sh\necho 'agentcd, version 0.1.0 (source {source})'\n")
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


def test_an_agentcd_built_from_this_source_on_path_is_reused(tmp_path: Path) -> None:
    done, added = install(tmp_path, fake_agentcd(tmp_path / "image", SOURCE))
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"agentcd already installed from this source ({SOURCE}): {tmp_path / 'image' / 'agentcd'}\n"
    )
    assert added == ""
    assert not (tmp_path / "runner").exists()


def test_the_same_version_from_other_source_is_not_reused_and_the_jobs_venv_is(
    tmp_path: Path,
) -> None:
    venv_bin = fake_agentcd(tmp_path / "runner" / "agentcd-venv" / "bin", SOURCE)
    done, added = install(tmp_path, fake_agentcd(tmp_path / "image", "0123456789ab"))
    assert done.returncode == 0, done.stderr
    assert added == f"{venv_bin}\n"
    assert done.stdout == f"agentcd installed from source {SOURCE} in {venv_bin.parent}\n"


def test_a_stale_venv_is_rebuilt_from_the_lock_with_hashes(tmp_path: Path) -> None:
    stale = fake_agentcd(tmp_path / "runner" / "agentcd-venv" / "bin", "0123456789ab")
    # python3 -m venv is replaced by a recorder that leaves a `python` logging its arguments.
    shims = tmp_path / "shims"
    shims.mkdir()
    log = tmp_path / "calls"
    real = subprocess.run(["sh", "-c", "command -v python3"], capture_output=True, text=True)
    (shims / "python3").write_text(
        "#!/bin/sh\n"
        'if [ "$1" = -m ] && [ "$2" = venv ]; then\n'
        '  mkdir -p "$3/bin"\n'
        f'  printf \'#!/bin/sh\\necho "$@" >> {log}\\n\' > "$3/bin/python"\n'
        '  chmod +x "$3/bin/python"; exit 0\n'
        "fi\n"
        f'exec {real.stdout.strip()} "$@"\n'
    )
    (shims / "python3").chmod(0o755)
    done, added = install(tmp_path, shims)
    assert done.returncode == 0, done.stderr
    assert not (stale / "agentcd").exists()  # the stale venv was removed, not reused
    calls = log.read_text().splitlines()
    quiet = "-m pip install --quiet --disable-pip-version-check"
    assert calls == [
        f"{quiet} --require-hashes -r {ROOT / 'requirements' / 'runtime.txt'}",
        f"{quiet} --no-deps --no-build-isolation {ROOT}",
    ]
    assert added == f"{stale}\n"


def test_gitlab_installs_into_the_named_venv_and_touches_no_github_path(tmp_path: Path) -> None:
    venv = tmp_path / "project" / ".agentcd-venv"
    fake_agentcd(venv / "bin", SOURCE)
    system = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    system = [p for p in system if not (Path(p) / "agentcd").exists()]
    done = subprocess.run(
        ["bash", str(ROOT / "actions" / "install.sh")],
        env={"PATH": os.pathsep.join(system), "AGENTCD_VENV": str(venv)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"agentcd installed from source {SOURCE} in {venv}\n"


def test_outside_a_runner_it_says_what_is_missing(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "actions" / "install.sh")],
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "RUNNER_TEMP is not set" in done.stderr
