"""Commands talk to protocols, never to a concrete adapter, and never import another command.

The composition root (`agentcd.cli` and `agentcd.wiring`) picks the adapters; helpers that
several commands share live in `commands/_*.py` modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

COMMANDS = Path(__file__).resolve().parents[2] / "src" / "agentcd" / "commands"
# What a command may import from agentcd.adapters: protocols and the data they exchange.
PROTOCOLS = ("agentcd.adapters.protocol", "agentcd.adapters.invokers.base")


def imported(source: str, module: str) -> list[str]:
    """Every module `source` imports, absolute, including those under TYPE_CHECKING."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module)
            found += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return found


def _absolute(node: ast.ImportFrom, module: str) -> str:
    if not node.level:
        return node.module or ""
    package = module.rsplit(".", node.level)[0]
    return f"{package}.{node.module}" if node.module else package


def violations(source: str, module: str) -> list[str]:
    names = imported(source, module)
    bad = [
        f"imports the concrete adapter {name}"
        for name in names
        if name.startswith("agentcd.adapters.")
        and not name.startswith(PROTOCOLS)
        and not name.rsplit(".", 1)[0].endswith(".protocol")
        and not name.endswith(".protocol")
        and _is_module(name)
    ]
    bad += [
        f"imports the composition root {n}"
        for n in names
        if n.startswith("agentcd.wiring") and _is_module(n)
    ]
    bad += [f"imports the CLI {n}" for n in names if n == "agentcd.cli"]
    bad += [
        f"imports the command {name}"
        for name in names
        if name.startswith("agentcd.commands.")
        and _is_module(name)
        and not name.removeprefix("agentcd.commands.").startswith("_")
    ]
    return sorted(set(bad))


def _is_module(name: str) -> bool:
    """A dotted name that is a module or package in src/ (not a name imported from one)."""
    path = COMMANDS.parent.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


MODULES = sorted(COMMANDS.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_a_command_module_imports_no_adapter_and_no_other_command(path: Path) -> None:
    module = f"agentcd.commands.{path.stem}"
    assert violations(path.read_text(encoding="utf-8"), module) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from agentcd.adapters.ledger.protocol import Ledger\n", []),
        ("from agentcd.adapters.protocol import Edges\n", []),
        ("from agentcd.adapters import protocol\n", []),
        (
            "from agentcd.adapters.ledger.sqlite import SqliteLedger\n",
            ["imports the concrete adapter agentcd.adapters.ledger.sqlite"],
        ),
        (
            "from agentcd.adapters import gitops\n",
            ["imports the concrete adapter agentcd.adapters.gitops"],
        ),
        (
            "def f():\n    from agentcd.adapters.hosts.github import GitHubHost\n",
            ["imports the concrete adapter agentcd.adapters.hosts.github"],
        ),
        ("from agentcd.wiring import edges\n", ["imports the composition root agentcd.wiring"]),
        (
            "from agentcd.commands.promote import x\n",
            ["imports the command agentcd.commands.promote"],
        ),
        (
            "from agentcd.commands import validate\n",
            ["imports the command agentcd.commands.validate"],
        ),
        ("from agentcd.commands._common import edges\n", []),
        ("from . import history\n", ["imports the command agentcd.commands.history"]),
    ],
)
def test_the_rule_sees_each_kind_of_import(source: str, found: list[str]) -> None:
    assert violations(source, "agentcd.commands.example") == found


def test_every_command_module_is_checked() -> None:
    assert {"promote", "rollback", "plan", "eval", "_deploy", "_services"} <= {
        p.stem for p in MODULES
    }
