"""The definition schemas (`kind: Agent`, `kind: Project`): frozen, strict, defaults applied once.

File references (`{file: ...}`) appear here as written; `core.resolve` inlines them into the
artifact. The eval suite schema lives in `core.suite`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agentcd.core.evals.settings import ENV_NAME, EvalSettings

API_VERSION = "agentcd.dev/v1"
SLUG = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
SYMBOL = r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$"

Slug = Annotated[str, Field(pattern=SLUG, description="lowercase letters, digits and dashes")]
Symbol = Annotated[str, Field(pattern=SYMBOL)]
Scalar = str | int | float | bool | None


class Strict(BaseModel):
    """Base for every schema: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class FileRef(Strict):
    """A file in the repository, relative to the file that names it."""

    file: str = Field(min_length=1, description="path relative to this definition's folder")


# ---------------------------------------------------------------- Agent


class Metadata(Strict):
    name: Slug
    description: str = ""
    owners: tuple[str, ...] = ()
    labels: dict[str, str] = Field(default_factory=dict)


class Instructions(Strict):
    """Markdown instructions, inline (`text`) or from a file; a plain string means `text`."""

    text: str | None = None
    file: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one(self) -> Instructions:
        if (self.text is None) == (self.file is None):
            raise ValueError("give exactly one of 'text' or 'file'")
        return self


class SkillRef(Strict):
    """An Agent Skills folder (SKILL.md plus its files)."""

    path: str = Field(min_length=1)
    name: Slug | None = Field(None, description="defaults to SKILL.md's `name`, then the folder")


class Model(Strict):
    provider: str = Field(min_length=1)
    id: str = Field(min_length=1, description="a pinned, dated model snapshot id")
    parameters: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)
    overrides: dict[str, str] = Field(
        default_factory=dict, description="per-platform model id, e.g. {bedrock: ...}"
    )


class Runtime(Strict):
    framework: str | None = None
    version: str | None = Field(None, description="a version specifier, e.g. '==0.4.2'")
    image: str | None = Field(None, pattern=r"@sha256:[0-9a-f]{64}$", description="by digest")
    entrypoint: str | None = Field(None, description="module:function for code-first agents")

    @model_validator(mode="after")
    def _version_needs_framework(self) -> Runtime:
        if self.version is not None and self.framework is None:
            raise ValueError("'version' needs 'framework'")
        return self


class ToolType(StrEnum):
    FUNCTION = "function"
    OPENAPI = "openapi"
    MCP = "mcp"
    BUILTIN = "builtin"
    AGENT = "agent"


class Approval(StrEnum):
    """Whether a human must approve each call; unset leaves it to the platform."""

    ALWAYS = "always"
    NEVER = "never"


class Tool(Strict):
    name: Symbol
    type: ToolType
    description: str = ""
    input_schema: dict[str, Any] | None = Field(None, description="JSON Schema of the arguments")
    spec: FileRef | None = Field(None, description="an OpenAPI or tool spec file")
    binding: Symbol | None = Field(None, description="symbolic connection, valued per env")
    allowed_tools: tuple[str, ...] | None = Field(None, description="for mcp: the tools exposed")
    side_effects: bool = False
    approval: Approval | None = None


class KnowledgeType(StrEnum):
    VECTOR_STORE = "vector_store"
    FILES = "files"
    SEARCH_INDEX = "search_index"
    DATA_STORE = "data_store"
    WEB = "web"


class Knowledge(Strict):
    name: Symbol
    type: KnowledgeType
    description: str = ""
    binding: Symbol | None = None
    version: str | None = Field(None, description="pinned snapshot of the source")


class SubAgent(Strict):
    ref: Slug = Field(description="another agent's metadata.name")
    description: str = ""
    mode: Literal["handoff", "tool", "collaborator"] = "handoff"


class Guardrail(Strict):
    name: Symbol
    type: Literal["platform", "schema", "policy"]
    description: str = ""
    binding: Symbol | None = None
    config: dict[str, Any] = Field(default_factory=dict)


class Agent(Strict):
    api_version: Literal["agentcd.dev/v1"] = Field(alias="apiVersion")
    kind: Literal["Agent"]
    metadata: Metadata
    instructions: Instructions
    model: Model
    skills: tuple[SkillRef, ...] = ()
    runtime: Runtime = Runtime()
    tools: tuple[Tool, ...] = ()
    knowledge: tuple[Knowledge, ...] = ()
    subagents: tuple[SubAgent, ...] = ()
    guardrails: tuple[Guardrail, ...] = ()
    evals: tuple[str, ...] = Field((), description="eval suite files, relative to this folder")

    @field_validator("tools", "knowledge", "guardrails")
    @classmethod
    def _unique_names(cls, items: tuple[Any, ...]) -> tuple[Any, ...]:
        _refuse_duplicates([i.name for i in items])
        return items

    @field_validator("subagents")
    @classmethod
    def _unique_refs(cls, items: tuple[SubAgent, ...]) -> tuple[SubAgent, ...]:
        _refuse_duplicates([i.ref for i in items])
        return items


def _refuse_duplicates(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"duplicate name {name!r}")
        seen.add(name)


# ---------------------------------------------------------------- Project


class Requirement(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    OFF = "off"


class Gate(Strict):
    """What must hold before an artifact enters an environment."""

    eval: Requirement = Requirement.OFF
    approval: Requirement = Requirement.OFF
    pinned_models: Requirement = Field(
        Requirement.OPTIONAL, description="required: a floating model id is an error"
    )
    min_pass_rate: float = Field(0.0, ge=0, le=1)
    max_new_failures: int = Field(0, ge=0)
    min_cases: int = Field(1, ge=0)
    max_error_rate: float = Field(0.1, ge=0, le=1)


BindingValue = str | int | float | bool | dict[str, Any]


class Environment(Strict):
    name: Slug
    target: str = Field(min_length=1)
    gate: Gate = Gate()
    bindings: dict[str, BindingValue] = Field(default_factory=dict)


class FileTarget(Strict):
    """The embedded platform: rendered configuration written to a folder per environment."""

    platform: Literal["file"]
    path: str = ".agentcd/deployed"
    invoker: dict[str, Any] | None = Field(None, description="how `invoke` runs the agent")


class BedrockTarget(Strict):
    """AWS Bedrock Agents: one Bedrock agent per agent, one alias per environment, one
    numbered version per deployment (`agentcd.adapters.platforms.bedrock`)."""

    platform: Literal["bedrock"]
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$", description="e.g. us-east-1")
    roles: dict[str, str] = Field(
        default_factory=dict, description="environment name -> the agent resource role ARN"
    )
    naming: str = Field(
        "{agent}", description="the Bedrock agent name: {agent}, and {environment} if wanted"
    )
    profile: str | None = Field(None, description="an AWS shared-config profile")
    endpoint_url: str | None = Field(None, description="overrides the bedrock-agent endpoint")
    runtime_endpoint_url: str | None = Field(
        None, description="overrides the bedrock-agent-runtime endpoint"
    )
    idle_session_ttl_s: int = Field(600, ge=60, le=5400)
    prepare_timeout_s: float = Field(300, gt=0, description="deadline to prepare and version")
    max_attempts: int = Field(5, ge=1, le=20, description="tries per call, with backoff")


class LangGraphTarget(Strict):
    """LangGraph Platform: one assistant per agent and environment on the deployment at `url`,
    one assistant version per deployment (`agentcd.adapters.platforms.langgraph`)."""

    platform: Literal["langgraph"]
    url: str = Field(min_length=1, description="the deployment's API URL")
    graph_id: str = Field(min_length=1, description="the graph every assistant runs")
    naming: str = Field(
        "{agent}-{environment}", description="the assistant name: {agent} and {environment}"
    )
    api_key_env: str | None = Field(
        None, pattern=ENV_NAME, description="the variable holding the API key (x-api-key)"
    )
    timeout_s: float = Field(300, gt=0, description="deadline for one run to finish")


class MlflowTarget(Strict):
    """The MLflow prompt registry: one prompt per agent, an alias per environment, a prompt
    version per deployment (`agentcd.adapters.platforms.mlflow`)."""

    platform: Literal["mlflow"]
    tracking_uri: str = Field(min_length=1, description="the tracking server's URL")
    naming: str = Field("{agent}", description="the prompt name: {agent}, {environment}")
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="environment name -> the prompt alias that serves it (default: its name)",
    )
    invoker: dict[str, Any] | None = Field(None, description="how `invoke` runs the agent")


class LangfuseTarget(Strict):
    """Langfuse prompt management: one prompt per agent, a label per environment, a prompt
    version per deployment (`agentcd.adapters.platforms.langfuse`)."""

    platform: Literal["langfuse"]
    host: str = Field(min_length=1, description="the Langfuse URL")
    naming: str = Field("{agent}", description="the prompt name: {agent}, {environment}")
    public_key_env: str = Field("LANGFUSE_PUBLIC_KEY", pattern=ENV_NAME)
    secret_key_env: str = Field("LANGFUSE_SECRET_KEY", pattern=ENV_NAME)
    # An application that fetches a prompt without a label gets `production`: mapping an
    # environment to it (`prod: production`) makes such an application run what was promoted.
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="environment name -> the Langfuse label it moves (default: the "
        "environment's name); `prod: production` for applications that fetch without a label",
    )
    invoker: dict[str, Any] | None = Field(None, description="how `invoke` runs the agent")


class FoundryTarget(Strict):
    """Azure AI Foundry Agent Service: one agent per agent in the project at `endpoint`, an
    agent version per deployment (`agentcd.adapters.platforms.foundry`)."""

    platform: Literal["foundry"]
    endpoint: str = Field(
        min_length=1,
        description="the project endpoint, "
        "https://<resource>.services.ai.azure.com/api/projects/<project>",
    )
    naming: str = Field("{agent}", description="the agent name: {agent}, {environment}")


Target = Annotated[
    FileTarget | BedrockTarget | LangGraphTarget | MlflowTarget | LangfuseTarget | FoundryTarget,
    Field(discriminator="platform"),
]


class SqliteLedger(Strict):
    backend: Literal["sqlite"]
    path: str = ".agentcd/ledger.db"


class GitLedger(Strict):
    backend: Literal["git"]
    branch: str = "agentcd-ledger"
    remote: str = "origin"


Ledger = Annotated[SqliteLedger | GitLedger, Field(discriminator="backend")]


class Project(Strict):
    api_version: Literal["agentcd.dev/v1"] = Field(alias="apiVersion")
    kind: Literal["Project"]
    agents: tuple[str, ...] = ("agents/*/agent.yaml",)
    environments: tuple[Environment, ...] = Field(min_length=1)
    targets: dict[str, Target]
    ledger: Ledger = SqliteLedger(backend="sqlite")
    evals: EvalSettings = EvalSettings()

    @field_validator("environments")
    @classmethod
    def _unique_environments(cls, envs: tuple[Environment, ...]) -> tuple[Environment, ...]:
        _refuse_duplicates([e.name for e in envs])
        return envs

    @model_validator(mode="after")
    def _targets_exist(self) -> Project:
        for i, env in enumerate(self.environments):
            if env.target not in self.targets:
                known = ", ".join(sorted(self.targets)) or "none"
                raise ValueError(
                    f"environments[{i}].target: unknown target {env.target!r} (known: {known})"
                )
        return self

    def environment(self, name: str) -> Environment | None:
        return next((e for e in self.environments if e.name == name), None)


def is_slug(name: str) -> bool:
    return re.fullmatch(SLUG, name) is not None
