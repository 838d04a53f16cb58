"""The `evals:` section of `agentcd.yaml`: eval targets, the judge endpoint, limits and cache.

A target says how a case reaches the agent: `openai` (a Chat Completions endpoint given the
artifact), `http` (the application's own endpoint), `command` (a subprocess), `python` (a
code-first entrypoint), `platform` (the agent an environment runs, through its platform
adapter) or `inline` (the definition under review, run by an environment's platform without
deploying it). No I/O; the adapters read these settings.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Prices(_Strict):
    """Price per million tokens, so an OpenAI-compatible target can report cost."""

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)


class OpenAITarget(_Strict):
    type: Literal["openai"]
    base_url: str = Field("https://api.openai.com/v1", min_length=1)
    api_key_env: str = Field("OPENAI_API_KEY", pattern=ENV_NAME)
    model: str | None = Field(None, description="overrides the artifact's model id")
    max_turns: int = Field(8, ge=1, le=50, description="model calls per trial (tool loop)")
    prices: Prices | None = None


class HttpTarget(_Strict):
    type: Literal["http"]
    url: str = Field(min_length=1)
    api_key_env: str | None = Field(None, pattern=ENV_NAME, description="sent as a bearer token")


class CommandTarget(_Strict):
    type: Literal["command"]
    command: tuple[str, ...] = Field(min_length=1, description="argv; JSON on stdin and stdout")


class PythonTarget(_Strict):
    type: Literal["python"]
    entrypoint: str = Field(
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", description="module:function"
    )


class PlatformTarget(_Strict):
    """The agent deployed in an environment: its artifact digest is the one the ledger records
    there, and each trial goes through that environment's platform adapter (`invoke`)."""

    type: Literal["platform"]
    environment: str | None = Field(
        None, description="whose deployment to run; default: the environment of --env"
    )


class InlineTarget(_Strict):
    """The definition under review (head and base), rendered with an environment's bindings
    and run by that environment's platform without deploying it (Bedrock: InvokeInlineAgent)."""

    type: Literal["inline"]
    environment: str | None = Field(
        None, description="whose platform and bindings to run it with; default: --env's"
    )


EvalTarget = Annotated[
    OpenAITarget | HttpTarget | CommandTarget | PythonTarget | PlatformTarget | InlineTarget,
    Field(discriminator="type"),
]


class Judge(_Strict):
    """Where `llm-rubric` assertions are graded; each assertion pins the judge's model id."""

    base_url: str = Field("https://api.openai.com/v1", min_length=1)
    api_key_env: str = Field("OPENAI_API_KEY", pattern=ENV_NAME)


class Budget(_Strict):
    """Caps for one `agentcd eval` run; reaching one makes the verdict inconclusive."""

    max_calls: int | None = Field(None, ge=1)
    max_tokens: int | None = Field(None, ge=1)
    max_cost: float | None = Field(None, gt=0)


class EvalSettings(_Strict):
    target: str | None = Field(None, description="the default target's name")
    targets: dict[str, EvalTarget] = Field(default_factory=dict)
    judge: Judge = Judge()
    timeout_s: float = Field(60.0, gt=0, description="per call")
    retries: int = Field(3, ge=0, le=10, description="for 429, 5xx and timeouts")
    budget: Budget = Budget()
    cache: str = ".agentcd/cache/eval"

    @model_validator(mode="after")
    def _default_exists(self) -> EvalSettings:
        if self.target is not None and self.target not in self.targets:
            known = ", ".join(sorted(self.targets)) or "none"
            raise ValueError(f"target: unknown eval target {self.target!r} (known: {known})")
        return self
