"""GitLab CI job outputs: the `artifacts:reports:dotenv` file later jobs receive as variables.

GitLab parses dotenv reports more strictly than dotenv itself: one `NAME=value` per line,
no quoting, no multi-line values, ASCII names, at most 5 KB and (by default) 20 variables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from agentcd.errors import AgentcdError

DOTENV_MAX_BYTES = 5 * 1024
DOTENV_MAX_VARIABLES = 20
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def format_dotenv(variables: Mapping[str, str], *, where: str = "dotenv report") -> str:
    """The report's text, or an `AgentcdError` naming the variable GitLab would reject."""
    if len(variables) > DOTENV_MAX_VARIABLES:
        raise AgentcdError(
            f"writing {where}: {len(variables)} variables; GitLab accepts {DOTENV_MAX_VARIABLES}"
        )
    lines = []
    for name, value in variables.items():
        if not _NAME.match(name):
            raise AgentcdError(f"writing {where}: {name!r} is not a valid variable name")
        if "\n" in value or "\r" in value or value != value.strip():
            raise AgentcdError(
                f"writing {where}: {name}: GitLab keeps neither line breaks nor surrounding "
                "spaces in dotenv values"
            )
        lines.append(f"{name}={value}\n")
    text = "".join(lines)
    if len(text.encode("utf-8")) > DOTENV_MAX_BYTES:
        raise AgentcdError(f"writing {where}: larger than GitLab's {DOTENV_MAX_BYTES:,} bytes")
    return text


def write_dotenv(path: Path, variables: Mapping[str, str]) -> None:
    """Write the report (replacing the file), e.g. for `artifacts: reports: dotenv: plan.env`."""
    text = format_dotenv(variables, where=path.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
