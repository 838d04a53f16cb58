"""The `llm-rubric` judge: the prompt it is given and the strict reading of its verdict. No I/O.

The judge must answer with one JSON object `{"pass": bool, "score": number, "reason": str}`.
Anything else, or a verdict that contradicts its own score, is an *error*, never a pass or a
fail: a verbose "Yes, the model violated..." must not read as success.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agentcd.core.definition.canonical import canonical_bytes
from agentcd.core.definition.digest import digest_bytes

JUDGE_PROMPT_VERSION = 1

_SYSTEM = (
    "You grade an AI agent's answer against a rubric. Reply with one JSON object and nothing "
    'else: {"pass": true|false, "score": <number from 0 to 1>, "reason": "<one sentence>"}. '
    "The score is how fully the answer satisfies the rubric; pass is true only if it does."
)

VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "pass": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "reason": {"type": "string"},
    },
    "required": ["pass", "score", "reason"],
    "additionalProperties": False,
}


@dataclass(frozen=True, slots=True)
class JudgeVerdict:
    passed: bool
    score: float
    reason: str


def judge_messages(rubric: str, *, question: str, answer: str) -> list[dict[str, str]]:
    """The chat messages that ask the judge to grade `answer` against `rubric`."""
    user = f"<rubric>\n{rubric}\n</rubric>\n<question>\n{question}\n</question>\n"
    user += f"<answer>\n{answer}\n</answer>"
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}]


def judge_prompt_digest() -> str:
    """Pins the judge prompt in reports, beside the judge model id."""
    return digest_bytes(canonical_bytes({"system": _SYSTEM, "version": JUDGE_PROMPT_VERSION}))


def parse_verdict(text: str, *, threshold: float) -> JudgeVerdict:
    """The judge's verdict, or ValueError when it is not exactly the structure asked for."""
    body = _strip_fence(text.strip())
    try:
        data = json.loads(body)
    except json.JSONDecodeError as e:
        raise ValueError(f"judge reply is not JSON ({e.msg})") from e
    if not isinstance(data, dict) or set(data) != {"pass", "score", "reason"}:
        raise ValueError("judge reply must be an object with exactly pass, score, reason")
    passed, score, reason = data["pass"], data["score"], data["reason"]
    if not isinstance(passed, bool) or not isinstance(reason, str):
        raise ValueError("judge reply: 'pass' must be a boolean and 'reason' a string")
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        raise ValueError("judge reply: 'score' must be a number from 0 to 1")
    if passed != (score >= threshold):
        raise ValueError(
            f"judge contradicted itself: pass={str(passed).lower()} with score {score} "
            f"(threshold {threshold})"
        )
    return JudgeVerdict(passed=passed, score=float(score), reason=reason)


def _strip_fence(text: str) -> str:
    """A reply wrapped in one ```json fence is still one object."""
    if text.startswith("```") and text.endswith("```"):
        first_newline = text.find("\n")
        return text[first_newline + 1 : -3].strip() if first_newline > 0 else text
    return text
