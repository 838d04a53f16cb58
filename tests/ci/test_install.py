"""actions/install.sh: when it reuses an agentcd and when it installs its own from the lock.

The locked pip install itself needs a package index, so these cases stop before it (an agentcd
built from this source on PATH, or the job's venv present), but one: a source that differs
makes it install, and `pip` is replaced by a recorder that shows the hash-checked commands.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import yaml

from agentcd.code_digest import code_digest
from tests.conftest import ROOT, git

SOURCE = code_digest(ROOT / "src" / "agentcd")[7:19]


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


def _component_install(template: Path) -> str:
    """The install part of a component's first script: from the `component` test to its `fi`."""
    body = list(yaml.safe_load_all(template.read_text(encoding="utf-8")))[1]
    job = next(j for j in body.values() if isinstance(j, dict) and "script" in j)
    first = job["script"][0]
    text = first if isinstance(first, str) else first[0]
    assert text.startswith('if [ "$AGENTCD_PACKAGE" = component ]; then\n')
    return text[: text.index("\nfi\n") + 4]


TEMPLATES = sorted((ROOT / "templates").glob("*.yml"))


def test_every_component_installs_the_same_way() -> None:
    assert len({_component_install(t) for t in TEMPLATES}) == 1


def test_a_component_clones_its_own_commit_and_installs_it_from_the_lock(tmp_path: Path) -> None:
    """The `component` install, run as a GitLab job would: the agentcd project is a bare
    repository here, reached through a git URL rewrite of the job's https URL; the test's
    agentcd, built from the same source, is on PATH, so install.sh reuses it."""
    source = tmp_path / "agentcd"
    for name in ("actions", "requirements", "src", "pyproject.toml"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)  # type: ignore[operator]
    shutil.rmtree(source / "src" / "agentcd.egg-info", ignore_errors=True)
    for cache in source.rglob("__pycache__"):
        shutil.rmtree(cache)
    git(source, "init", "-q", "-b", "main")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "agentcd")
    sha = git(source, "rev-parse", "HEAD").strip()
    git(source, "commit", "-q", "--allow-empty", "-m", "a later commit the job must not take")
    bare = tmp_path / "agentcd.git"
    git(tmp_path, "clone", "-q", "--bare", str(source), str(bare))
    project = tmp_path / "project"
    project.mkdir()
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "AGENTCD_PACKAGE": "component",
        "AGENTCD_SOURCE": "agentcd/agentcd",
        "AGENTCD_SHA": sha,
        "CI_JOB_TOKEN": "job-token",
        "CI_SERVER_FQDN": "gitlab.invalid",
        "CI_PROJECT_DIR": str(project),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{bare}.insteadOf",
        "GIT_CONFIG_VALUE_0": "https://gitlab-ci-token:job-token@gitlab.invalid/agentcd/agentcd.git",
    }
    script = _component_install(TEMPLATES[0]) + "command -v agentcd\n"
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"agentcd already installed from this source ({SOURCE})" in done.stdout
    assert git(project / ".agentcd-src", "rev-parse", "HEAD").strip() == sha
