"""The errors a user can fix; anything else reaching the top is a bug (exit 3)."""

from __future__ import annotations


class AgentcdError(Exception):
    """A problem the user can fix: bad input, bad config, an API or platform refusal."""


class DefinitionError(AgentcdError):
    """A definition, project file or eval suite is invalid; the message names file and field."""

    def __init__(self, path: str, field: str, message: str) -> None:
        self.path = path
        self.field = field
        self.detail = message
        where = f"{path}: {field}" if field else path
        super().__init__(f"{where}: {message}")


class ConfigError(AgentcdError):
    """The command line or the environment asks for something that cannot be done."""


class SourceError(AgentcdError):
    """Reading the repository (working tree or git revision) failed."""
