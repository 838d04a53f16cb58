"""Eval targets: one invoker per kind (`openai`, `http`, `command`, `python`, `platform`,
`inline`) and the judge. Each kind's module is imported when that kind is used, so a run that
needs no HTTP client never loads one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agentcd.adapters.invokers.base import InvokeError, Invoker, Judge
from agentcd.core.evals.settings import (
    CommandTarget,
    EvalTarget,
    HttpTarget,
    InlineTarget,
    OpenAITarget,
    PlatformTarget,
    PythonTarget,
)
from agentcd.core.evals.settings import (
    Judge as JudgeSettings,
)
from agentcd.errors import ConfigError

if TYPE_CHECKING:
    from agentcd.adapters.platforms.protocol import Platform
    from agentcd.core.definition.model import Environment

__all__ = ["InvokeError", "Invoker", "Judge", "make_invoker", "make_judge"]


def make_invoker(
    name: str,
    target: EvalTarget,
    *,
    root: Path,
    pool_size: int,
    platform: Platform | None = None,
    environment: Environment | None = None,
) -> Invoker:
    """The invoker for a configured target; ConfigError when it cannot be set up. A `platform`
    target needs the platform of the environment it names (resolved by the caller), an `inline`
    target that platform and the environment whose binding values its trials run with."""
    if isinstance(target, OpenAITarget | HttpTarget):
        return _http_invoker(name, target, pool_size=pool_size)
    if isinstance(target, CommandTarget):
        from agentcd.adapters.invokers.command import CommandInvoker

        return CommandInvoker(name, target, cwd=root)
    if isinstance(target, PythonTarget):
        from agentcd.adapters.invokers.python import PythonInvoker

        return PythonInvoker(name, target, root=root)
    if isinstance(target, InlineTarget):
        if platform is None or environment is None:
            raise ConfigError(f"eval target {name!r}: no environment to run it in")
        from agentcd.adapters.invokers.inline import InlineInvoker

        return InlineInvoker(platform, environment)
    assert isinstance(target, PlatformTarget)
    if platform is None or target.environment is None:
        raise ConfigError(f"eval target {name!r}: no deployment to invoke")
    from agentcd.adapters.invokers.platform import PlatformInvoker

    return PlatformInvoker(platform, target.environment)


def _http_invoker(name: str, target: OpenAITarget | HttpTarget, *, pool_size: int) -> Invoker:
    from agentcd.adapters.invokers._http import JsonPoster

    poster = JsonPoster(pool_size=pool_size)
    if isinstance(target, OpenAITarget):
        from agentcd.adapters.invokers.openai import OpenAIInvoker

        return OpenAIInvoker(name, target, poster=poster)
    from agentcd.adapters.invokers.http import HttpInvoker

    return HttpInvoker(name, target, poster=poster)


def make_judge(settings: JudgeSettings, *, pool_size: int) -> Judge:
    from agentcd.adapters.invokers._http import JsonPoster
    from agentcd.adapters.invokers.openai import OpenAIJudge

    return OpenAIJudge(settings, poster=JsonPoster(pool_size=pool_size))
