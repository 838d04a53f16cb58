"""Shared fixtures: no network but loopback, no CI variables leaking in, golden files."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "support-desk"
_LEAKY_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "AGENTCD_", "OPENAI_", "RUNNER_")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", help="rewrite golden files from actual output"
    )


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES) or name == "CI":
            monkeypatch.delenv(name, raising=False)


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise AssertionError(f"test tried to connect to {host!r}: only loopback is allowed")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> object:
    """`golden(path, actual)`: compare with a file under tests/golden/, or rewrite it."""
    update = bool(request.config.getoption("--update-goldens"))

    def check(name: str, actual: str) -> None:
        path = ROOT / "tests" / "golden" / name
        actual_path = path.with_name(path.name + ".actual")
        if update or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            actual_path.unlink(missing_ok=True)
            if not update:
                pytest.fail(f"golden file {name} did not exist; written, review and re-run")
            return
        expected = path.read_text(encoding="utf-8")
        if actual != expected:
            actual_path.write_text(actual, encoding="utf-8")
            assert actual == expected, f"{name} differs; actual output in {actual_path.name}"
        actual_path.unlink(missing_ok=True)

    return check


def git(cwd: Path, *args: str) -> str:
    """Run git in a test repository with a fixed identity and no user config."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(cwd),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    """A fresh git repository holding a copy of the example project, committed once."""
    import shutil

    path = tmp_path / "repo"
    shutil.copytree(EXAMPLE, path, ignore=shutil.ignore_patterns(".agentcd"))
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    yield path


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out!r}, err={self.err!r})"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> object:
    """`cli(*args, cwd=PATH)` runs agentcd in-process through its real entry point."""
    from agentcd.cli import main

    def run(*args: str, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
