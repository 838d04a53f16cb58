"""The errors a user can fix; anything else reaching the top is a bug (exit 3)."""

from __future__ import annotations


class AgentcdError(Exception):
    """A problem the user can fix: bad input, bad config, an API or platform refusal."""

    exit_code = 1  # `ExitCode.ERROR`


class Busy(AgentcdError):
    """Another run holds what this one needs (an environment's lease): a refusal, not a fault."""

    exit_code = 2  # `ExitCode.NO`


class DefinitionError(AgentcdError):
    """A definition, project file or eval suite is invalid; the message names file and field."""

    def __init__(self, path: str, field: str, message: str) -> None:
        self.path = path
        self.field = field
        self.detail = message
        where = f"{path}: {field}" if field else path
        super().__init__(f"{where}: {message}")


class TamperedBundle(DefinitionError):
    """A bundle whose recorded digest is not its content's: the gate refuses it by name."""

    def __init__(self, path: str, recorded: str, actual: str) -> None:
        self.recorded, self.actual = recorded, actual
        detail = f"tampered bundle: it says {recorded} but its artifact hashes to {actual}"
        super().__init__(path, "digest", detail)


class ConfigError(AgentcdError):
    """The command line or the environment asks for something that cannot be done."""


class LedgerError(AgentcdError):
    """The ledger could not be read or written (the message names the backend and the place)."""


class PlatformError(AgentcdError):
    """A platform refused or failed an operation (the message names platform, agent, env)."""


class Unexpressible(PlatformError):
    """A definition the platform cannot carry faithfully: `field` names it the way findings do
    (`tools[lookup].input_schema`, `model.parameters`), or a setting of agentcd.yaml when
    `in_project`. Raised by `render`, so `validate` reports it before anything is merged."""

    def __init__(
        self, platform: str, field: str, reason: str, *, in_project: bool = False, where: str = ""
    ) -> None:
        self.platform, self.field, self.reason = platform, field, reason
        self.in_project = in_project
        self.also: tuple[Unexpressible, ...] = ()  # what else the same render refused
        named = f"agentcd.yaml: targets.<name>.{field}" if in_project else field
        super().__init__(f"{where}: {named}: {reason}" if where else f"{named}: {reason}")


class SourceError(AgentcdError):
    """Reading the repository (working tree or git revision) failed."""


class GitError(AgentcdError):
    """git could not start, or a git command that had to succeed failed.

    Callers usually restate it as their own error, naming what they were doing.
    """

    def __init__(self, command: str, returncode: int | None, detail: str) -> None:
        self.command = command
        self.returncode = returncode
        """git's exit code; None when git could not start."""
        self.detail = detail
        """What git wrote to stderr, stripped, or why it could not start."""
        super().__init__(f"git {command}: {detail or f'exit {returncode}'}")
