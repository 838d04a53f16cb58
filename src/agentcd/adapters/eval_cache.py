"""The eval cache: one JSON file per completed trial, keyed by what determines its answer.

The key (`core.evals.trials.trial_key`) is (artifact digest, case digest, trial, target
digest): an unchanged agent is not re-run, and the base revision's trials are reused across
pull requests. Trials that ended in an error (or whose judge failed) are never stored. Writes
are atomic (temp file + rename).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agentcd.core.evals.observation import (
    JudgeReply,
    Observation,
    observation_from_dict,
    observation_to_dict,
)
from agentcd.core.evals.trials import CACHE_VERSION


class EvalCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> tuple[Observation, dict[int, JudgeReply]] | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("cache_version") != CACHE_VERSION:
            return None
        judgments = {int(i): JudgeReply(text=t) for i, t in data.get("judgments", {}).items()}
        return observation_from_dict(data["observation"]), judgments

    def put(self, key: str, observation: Observation, judgments: Mapping[int, JudgeReply]) -> None:
        data: dict[str, Any] = {
            "cache_version": CACHE_VERSION,
            "observation": observation_to_dict(observation),
            "judgments": {str(i): j.text for i, j in judgments.items()},
        }
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        tmp.replace(path)
