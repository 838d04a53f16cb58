"""Start-up cost: commands import only what they use (the time goal is `bench/startup.py`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Loaded only by commands that need them; never by --version or --help.
HEAVY = ("pydantic", "yaml", "requests", "deepdiff", "jsonschema", "sqlite3", "agentcd.core")


def _modules_after(code: str) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["build", "--help"]])
def test_version_and_help_import_nothing_heavy(args: list[str]) -> None:
    loaded = _modules_after(f"from agentcd.cli import main\nmain({args!r})")
    heavy = sorted(m for m in loaded if m.startswith(HEAVY))
    if args == ["build", "--help"]:  # the command module itself is imported, nothing more
        heavy = [m for m in heavy if not m.startswith(("pydantic", "yaml", "agentcd.core"))]
    assert heavy == []


def test_build_imports_only_the_loader() -> None:
    loaded = _modules_after("import agentcd.commands.build")
    unneeded = ("requests", "deepdiff", "jsonschema", "sqlite3", "jinja2", "agentcd.render")
    assert sorted(m for m in loaded if m.startswith(unneeded)) == []
    # Commands see the edges' protocols; the composition root loads the adapters on first use.
    assert sorted(m for m in loaded if m.startswith("agentcd.adapters")) == [
        "agentcd.adapters",
        "agentcd.adapters.protocol",
    ]
