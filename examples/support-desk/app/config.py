"""Load this application's agent configuration as agentcd deployed it (the `file` platform).

agentcd writes `<deployed>/<environment>/<agent>.json` atomically (a temporary file, then a
rename), so reading it here always sees a whole deployment. The application never reads
`agents/` directly: what runs is what was promoted, approved and recorded.

    python -m app.config support-triage --env prod
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEPLOYED = Path(__file__).resolve().parent.parent / ".agentcd" / "deployed"
ENV_VARIABLE = "SUPPORT_DESK_ENV"  # which environment this process belongs to


class NotDeployed(Exception):
    """No usable deployment of that agent in that environment."""


@dataclass(frozen=True)
class AgentConfig:
    name: str
    environment: str
    instructions: str
    model: dict[str, Any]
    tools: tuple[dict[str, Any], ...]
    skills: tuple[dict[str, Any], ...]
    bindings: dict[str, Any]
    deployment_digest: str
    version: int

    def endpoint(self, tool: str) -> Any:
        """The environment's value for a tool's binding (its URL, id or settings)."""
        spec = next(t for t in self.tools if t["name"] == tool)
        return self.bindings.get(spec.get("binding", ""))


def load_agent_config(
    agent: str, environment: str | None = None, *, root: Path = DEPLOYED
) -> AgentConfig:
    env = environment or os.environ.get(ENV_VARIABLE, "dev")
    path = root / env / f"{agent}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        header, artifact = data["agentcd"], data["agent"]
    except FileNotFoundError:
        raise NotDeployed(
            f"{agent} is not deployed to {env} (agentcd promote --env {env})"
        ) from None
    except (ValueError, KeyError, TypeError) as e:
        raise NotDeployed(f"{path} is not an agentcd deployment: {e}") from e
    return AgentConfig(
        name=artifact["metadata"]["name"],
        environment=env,
        instructions=artifact["instructions"],
        model=artifact["model"],
        tools=tuple(artifact.get("tools", [])),
        skills=tuple(artifact.get("skills", [])),
        bindings=data.get("bindings", {}),
        deployment_digest=header["deployment_digest"],
        version=header["version"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Show the agent configuration a process loads.")
    parser.add_argument("agent")
    parser.add_argument("--env", default=None)
    parser.add_argument("--instructions", action="store_true", help="print them too")
    args = parser.parse_args()
    config = load_agent_config(args.agent, args.env)
    print(f"{config.name} in {config.environment}: version {config.version}, {config.model['id']}")
    print(f"deployment {config.deployment_digest}")
    for name, value in sorted(config.bindings.items()):
        print(f"  {name} = {value}")
    if args.instructions:
        print(config.instructions, end="")


if __name__ == "__main__":
    main()
