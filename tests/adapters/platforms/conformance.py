"""What the conformance suite (`test_conformance.py`) shares with each platform's `World`: the
project every world deploys, the `World` protocol, and the helpers a world uses.

A platform joins the suite by adding `tests/adapters/platforms/<name>/world.py` with
`make_world(root, request, monkeypatch) -> World`: `root` is an empty folder for the project
(`write_project(root, target)` writes it, with that platform's target), `request` the pytest
request (for `request.getfixturevalue` of a session-scoped server, say).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import yaml

from agentcd.adapters.repository import GitRepository
from agentcd.core.definition.load import load_workspace
from agentcd.core.deploy.release import make_release
from tests.conftest import git

AGENT = "greeter"
INSTRUCTIONS = "Greet the customer warmly, then answer in one short and polite sentence.\n"
DEFINITION = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "Agent",
    "metadata": {"name": AGENT, "description": "Greets customers", "owners": ["ops"]},
    "instructions": {"file": "instructions.md"},
    "model": {
        "provider": "anthropic",
        "id": "claude-sonnet-4-5-20250929",
        "overrides": {"bedrock": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"},
    },
    "evals": ["evals/greet.yaml"],
}
SUITE = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "EvalSuite",
    "metadata": {"name": "greet"},
    "cases": [
        {"id": "warm", "input": "hello", "expect": [{"type": "icontains", "value": "warmly"}]}
    ],
}
# The deployed agent answers with its own instructions: what answers is what runs.
ECHO = """def respond(config, request):
    return {"output": config["agent"]["instructions"]}


def respond_now(request):
    return {"output": request["artifact"]["instructions"]}
"""


class Crash(BaseException):
    """The process dies right after the platform carried out the apply."""


class World(Protocol):
    """One platform as the suite sees it, and what a test does behind agentcd's back."""

    name: str
    root: Path  # the project (a git repository); the tests run agentcd there

    def platform_class(self) -> type:
        """The adapter's class (the suite wraps its `apply` to crash right after it)."""
        ...

    def versions(self, environment: str) -> list[str]:
        """The platform's version ids of the agent in `environment`, oldest first."""
        ...

    def running(self, environment: str) -> str | None:
        """The version id the environment's pointer routes to."""
        ...

    def hand_edit(self, environment: str) -> None:
        """Change what runs, as a person would in the platform's console (new instructions)."""
        ...

    def repoint(self, environment: str, version: str) -> None:
        """Move the pointer to an existing version by hand."""
        ...

    def deny(self) -> None:
        """From now on the platform refuses agentcd's reads (an auth failure)."""
        ...

    def deploy_unrecorded(self, agent: str, environment: str) -> None:
        """Deploy `agent` (the working tree's definition, renamed) without agentcd's ledger."""
        ...

    def invocations(self) -> int:
        """How many times a deployed agent has been invoked (`invoke`)."""
        ...

    def candidate_runs(self) -> int:
        """How many times an undeployed definition has been run (`invoke_candidate`)."""
        ...


def write_project(root: Path, target: dict[str, Any]) -> Path:
    folder = root / "agents" / AGENT
    (folder / "evals").mkdir(parents=True)
    project = {
        "apiVersion": "agentcd.dev/v1",
        "kind": "Project",
        "environments": [
            {"name": "dev", "target": "t", "gate": {"min_pass_rate": 1.0}},
            {"name": "prod", "target": "t", "gate": {"approval": "optional"}},
        ],
        "targets": {"t": target},
        "ledger": {"backend": "sqlite", "path": ".agentcd/ledger.db"},
        "evals": {"targets": {"now": {"type": "python", "entrypoint": "greeter_echo:respond_now"}}},
    }
    (root / "agentcd.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    (folder / "agent.yaml").write_text(yaml.safe_dump(DEFINITION, sort_keys=False))
    (folder / "instructions.md").write_text(INSTRUCTIONS)
    (folder / "evals" / "greet.yaml").write_text(yaml.safe_dump(SUITE, sort_keys=False))
    # A module name no other test's project uses: imported modules stay for the session.
    (root / "greeter_echo.py").write_text(ECHO)
    (root / ".gitignore").write_text(".agentcd/\n__pycache__/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "A greeter")
    return root


def release_of(root: Path, agent: str, environment: str) -> Any:
    """The working tree's release of `agent` (renamed), for deploying behind agentcd's back."""
    with GitRepository(root).tree(None) as tree:
        workspace = load_workspace(tree)
    (loaded,) = workspace.agents
    artifact = {**loaded.artifact, "metadata": {**loaded.artifact["metadata"], "name": agent}}
    env = next(e for e in workspace.project.environments if e.name == environment)
    return make_release(env, artifact=artifact, artifact_digest=loaded.digest, commit=None)


def count_runs(monkeypatch: Any, cls: type) -> dict[str, int]:
    """Count the calls of `cls.invoke` and `cls.invoke_candidate` (for a world whose platform
    runs the agent through the target's invoker, so no server keeps a count)."""
    calls = {"invoke": 0, "invoke_candidate": 0}
    for method in calls:
        real = getattr(cls, method)

        def counted(platform: Any, *args: Any, _name: str = method, _real: Any = real) -> Any:
            calls[_name] += 1
            return _real(platform, *args)

        monkeypatch.setattr(cls, method, counted)
    return calls
