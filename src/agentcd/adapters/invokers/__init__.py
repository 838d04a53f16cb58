"""Eval targets: one invoker per kind (`openai`, `http`, `command`, `python`) and the judge."""

from __future__ import annotations

from pathlib import Path

from agentcd.adapters.invokers._http import JsonPoster
from agentcd.adapters.invokers.base import InvokeError, Invoker, Judge
from agentcd.adapters.invokers.command import CommandInvoker
from agentcd.adapters.invokers.http import HttpInvoker
from agentcd.adapters.invokers.openai import OpenAIInvoker, OpenAIJudge
from agentcd.adapters.invokers.python import PythonInvoker
from agentcd.core.eval_settings import (
    CommandTarget,
    EvalTarget,
    HttpTarget,
    OpenAITarget,
    PythonTarget,
)
from agentcd.core.eval_settings import (
    Judge as JudgeSettings,
)

__all__ = ["InvokeError", "Invoker", "JsonPoster", "Judge", "make_invoker", "make_judge"]


def make_invoker(name: str, target: EvalTarget, *, root: Path, poster: JsonPoster) -> Invoker:
    """The invoker for a configured target; ConfigError when it cannot be set up."""
    if isinstance(target, OpenAITarget):
        return OpenAIInvoker(name, target, poster=poster)
    if isinstance(target, HttpTarget):
        return HttpInvoker(name, target, poster=poster)
    if isinstance(target, CommandTarget):
        return CommandInvoker(name, target, cwd=root)
    assert isinstance(target, PythonTarget)
    return PythonInvoker(name, target, root=root)


def make_judge(settings: JudgeSettings, *, poster: JsonPoster) -> Judge:
    return OpenAIJudge(settings, poster=poster)
