"""The `command` target: run a subprocess per trial, the JSON contract on stdin and stdout."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

from agentcd.adapters.invokers.base import InvokeError
from agentcd.core.evals.invocation import InvokeRequest, parse_reply, request_payload
from agentcd.core.evals.observation import Observation
from agentcd.core.evals.settings import CommandTarget
from agentcd.errors import ConfigError


class CommandInvoker:
    def __init__(self, name: str, target: CommandTarget, *, cwd: Path) -> None:
        program = target.command[0]
        local = (cwd / program).is_file() if "/" in program else False
        if not local and shutil.which(program) is None:
            raise ConfigError(f"eval target {name!r}: command {program!r} not found")
        self._argv = list(target.command)
        self._cwd = cwd

    def invoke(self, request: InvokeRequest, *, timeout: float) -> Observation:
        started = time.monotonic()
        try:
            done = subprocess.run(
                self._argv,
                input=json.dumps(request_payload(request)),
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=self._cwd,
                check=False,
            )
        except subprocess.TimeoutExpired as e:
            raise InvokeError(f"timed out after {timeout:g}s", retryable=True) from e
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-1:] or [""]
            raise InvokeError(f"exit {done.returncode}: {tail[0][:200]}", retryable=False)
        try:
            return parse_reply(json.loads(done.stdout), latency_ms=_ms(started))
        except ValueError as e:
            raise InvokeError(f"malformed reply on stdout: {e}", retryable=False) from e


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
