"""The `python` target: call a code-first agent's `module:function` in this process.

The module is loaded from the project folder by file path under a private name, so two
projects with an `app.agent` module never share one. The function takes the JSON contract's
request (a dict) and returns its reply (a dict). In-process calls cannot be interrupted: the
timeout is checked when the call returns, and a late answer is recorded as an error.
"""

from __future__ import annotations

import hashlib
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentcd.adapters.invokers.base import InvokeError
from agentcd.core.evals.invocation import InvokeRequest, parse_reply, request_payload
from agentcd.core.evals.observation import Observation
from agentcd.core.evals.settings import PythonTarget
from agentcd.errors import ConfigError

Entrypoint = Callable[[dict[str, Any]], Any]


def load_entrypoint(root: Path, entrypoint: str, *, what: str) -> Entrypoint:
    module_name, function_name = entrypoint.split(":")
    base = root.joinpath(*module_name.split("."))
    path = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
    if not path.is_file():
        raise ConfigError(f"{what}: no module {module_name!r} in {root}")
    private = "agentcd_target_" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    spec = importlib.util.spec_from_file_location(private, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{what}: cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # the user's module: any failure to import is a config problem
        raise ConfigError(f"{what}: importing {path}: {type(e).__name__}: {e}") from e
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ConfigError(f"{what}: {module_name} has no function {function_name!r}")
    return function  # type: ignore[no-any-return]


class PythonInvoker:
    def __init__(self, name: str, target: PythonTarget, *, root: Path) -> None:
        self._function = load_entrypoint(root, target.entrypoint, what=f"eval target {name!r}")

    def invoke(self, request: InvokeRequest, *, timeout: float) -> Observation:
        started = time.monotonic()
        try:
            reply = self._function(request_payload(request))
        except Exception as e:  # the agent's own code: its crash is this trial's error
            raise InvokeError(f"{type(e).__name__}: {e}", retryable=False) from e
        elapsed = time.monotonic() - started
        if elapsed > timeout:
            raise InvokeError(f"answered after {elapsed:.1f}s, over {timeout:g}s", retryable=True)
        try:
            return parse_reply(reply, latency_ms=elapsed * 1000)
        except ValueError as e:
            raise InvokeError(f"malformed reply: {e}", retryable=False) from e
