"""`core/` is pure: no file, network, clock, environment, process or random access, no edges.

Every module under src/agentcd/core is read with `ast`; imports and calls that reach outside
are named with their line. A new core module is checked the moment it exists.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "src" / "agentcd" / "core"

# Top-level modules that do I/O, read the clock or the environment, or are random.
FORBIDDEN_MODULES = frozenset(
    {
        "os",
        "subprocess",
        "socket",
        "requests",
        "pathlib",
        "time",
        "random",
        "secrets",
        "shutil",
        "tempfile",
        "glob",
        "sqlite3",
        "urllib",
        "http",
        "asyncio",
        "threading",
        "multiprocessing",
        "importlib",
        "ctypes",
    }
)
# The edges: the core never reaches back into them.
FORBIDDEN_PACKAGES = ("agentcd.adapters", "agentcd.commands", "agentcd.cli")
FORBIDDEN_CALLS = frozenset({"open", "input", "breakpoint", "__import__", "exec", "eval"})
# `datetime.now()`, `date.today()`: the clock; times come in as arguments.
CLOCK_METHODS = frozenset({"now", "utcnow", "today", "fromtimestamp", "utcfromtimestamp"})
SYS_IO = frozenset({"stdin", "stdout", "stderr", "argv", "exit"})


def violations(source: str, module: str = "agentcd.core.x") -> list[str]:
    """Every impure import or call in `source`, as 'line N: what'."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        found += [f"line {node.lineno}: {what}" for what in _impure(node, module)]
    return sorted(found, key=lambda s: int(s.split(":")[0].split()[1]))


def _impure(node: ast.AST, module: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [f"imports {a.name}" for a in node.names if _forbidden_module(a.name)]
    if isinstance(node, ast.ImportFrom):
        name = _absolute(node, module)
        return [f"imports {name}"] if _forbidden_module(name) else []
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
            return [f"calls {func.id}()"]
        if isinstance(func, ast.Attribute) and func.attr in CLOCK_METHODS:
            return [f"calls .{func.attr}() (the clock)"]
    if (
        isinstance(node, ast.Attribute)
        and node.attr in SYS_IO
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    ):
        return [f"uses sys.{node.attr}"]
    return []


def _absolute(node: ast.ImportFrom, module: str) -> str:
    if not node.level:
        return node.module or ""
    package = module.rsplit(".", node.level)[0]
    return f"{package}.{node.module}" if node.module else package


def _forbidden_module(name: str) -> bool:
    top = name.split(".")[0]
    return top in FORBIDDEN_MODULES or name.startswith(FORBIDDEN_PACKAGES)


MODULES = sorted(CORE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(CORE).as_posix())
def test_core_module_is_pure(path: Path) -> None:
    module = "agentcd.core." + ".".join(path.relative_to(CORE).with_suffix("").parts)
    assert violations(path.read_text(encoding="utf-8"), module) == []


def test_the_core_modules_are_found() -> None:
    names = {p.stem for p in MODULES}
    assert {"parse", "tree", "load", "canonical", "digest", "bundle", "model"} <= names


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import os\n", ["line 1: imports os"]),
        ("import os.path as p\n", ["line 1: imports os.path"]),
        ("from pathlib import Path\n", ["line 1: imports pathlib"]),
        ("from time import monotonic\n", ["line 1: imports time"]),
        ("import random, json\n", ["line 1: imports random"]),
        (
            "import subprocess\nimport socket\n",
            ["line 1: imports subprocess", "line 2: imports socket"],
        ),
        ("import requests\n", ["line 1: imports requests"]),
        (
            "from agentcd.adapters.source import GitTree\n",
            ["line 1: imports agentcd.adapters.source"],
        ),
        ("from agentcd.commands import build\n", ["line 1: imports agentcd.commands"]),
        ("from ..adapters import source\n", ["line 1: imports agentcd.adapters"]),
        ("from . import canonical\n", []),
        ("from agentcd.core.policy import secrets\n", []),
        ("import json\nimport hashlib\nimport re\nimport posixpath\n", []),
        ("data = open('x').read()\n", ["line 1: calls open()"]),
        (
            "from datetime import datetime\nx = datetime.now()\n",
            ["line 2: calls .now() (the clock)"],
        ),
        ("import datetime\nx = datetime.date.today()\n", ["line 2: calls .today() (the clock)"]),
        (
            "from datetime import datetime, timezone\n"
            "x = datetime(2026, 1, 1, tzinfo=timezone.utc)\n",
            [],
        ),
        ("import sys\nsys.stdout.write('x')\n", ["line 2: uses sys.stdout"]),
        ("m = __import__('os')\n", ["line 1: calls __import__()"]),
    ],
)
def test_violations_are_named_with_their_line(source: str, found: list[str]) -> None:
    assert violations(source, "agentcd.core.x") == found
