"""A policy finding as JSON: the one shape `validate` and `plan` reports share."""

from __future__ import annotations

from typing import Any

from agentcd.core.policy.rules import Finding


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule.value,
        "severity": f.severity.value,
        "file": f.file,
        "line": f.line,
        "field": f.field,
        "message": f.message,
    }
