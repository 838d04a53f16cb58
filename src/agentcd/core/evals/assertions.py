"""One check per assertion type: an observation in, a `Check` (pass/fail/error) out. No I/O.

An assertion that cannot be evaluated (no latency reported, an unparseable judge verdict, an
invalid regular expression) is an *error*; only behaviour outside the expected range fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from agentcd.core.evals import jsonpath
from agentcd.core.evals.judge import parse_verdict
from agentcd.core.evals.observation import Check, CheckOutcome, JudgeReply, Observation
from agentcd.core.evals.suite import (
    Assertion,
    IsJsonAssertion,
    JsonPathAssertion,
    JsonSchemaAssertion,
    LimitAssertion,
    RegexAssertion,
    RubricAssertion,
    TextAssertion,
    ToolCalledAssertion,
    ToolNotCalledAssertion,
    ToolSequenceAssertion,
)


def check_assertion(
    assertion: Assertion, observation: Observation, judgment: JudgeReply | None = None
) -> Check:
    """Evaluate one assertion against what the trial produced."""
    if isinstance(assertion, RubricAssertion):
        return check_rubric(assertion, judgment)
    checker = _CHECKERS[type(assertion)]
    return checker(assertion, observation)


def _verdict(ok: bool, reason: str) -> Check:
    return Check(CheckOutcome.PASS if ok else CheckOutcome.FAIL, 1.0 if ok else 0.0, reason)


def _error(reason: str) -> Check:
    return Check(CheckOutcome.ERROR, 0.0, reason)


def _clip(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def check_text(a: TextAssertion, obs: Observation) -> Check:
    out, value = obs.output, a.value
    tests: dict[str, Callable[[], bool]] = {
        "equals": lambda: out.strip() == value.strip(),
        "contains": lambda: value in out,
        "icontains": lambda: value.casefold() in out.casefold(),
        "not-contains": lambda: value not in out,
        "starts-with": lambda: out.lstrip().startswith(value),
    }
    ok = tests[a.type]()
    holds = ok != (a.type == "not-contains")
    verb = _TEXT_VERBS[a.type]
    return _verdict(ok, f"output {'does' if holds else 'does not'} {verb} {value!r}")


_TEXT_VERBS = {
    "equals": "equal",
    "contains": "contain",
    "icontains": "contain (any case)",
    "not-contains": "contain",
    "starts-with": "start with",
}


def check_regex(a: RegexAssertion, obs: Observation) -> Check:
    try:
        pattern = re.compile(a.value)
    except re.error as e:
        return _error(f"invalid regular expression {a.value!r}: {e}")
    ok = pattern.search(obs.output) is not None
    return _verdict(ok, f"output {'matches' if ok else 'does not match'} /{a.value}/")


def _parse_json(obs: Observation) -> tuple[bool, Any]:
    try:
        return True, json.loads(obs.output)
    except json.JSONDecodeError:
        return False, None


def check_is_json(a: IsJsonAssertion, obs: Observation) -> Check:
    ok, _ = _parse_json(obs)
    return _verdict(ok, "output is JSON" if ok else f"output is not JSON: {_clip(obs.output)}")


def check_json_schema(a: JsonSchemaAssertion, obs: Observation) -> Check:
    import jsonschema  # imported when used: it is slow to load and most suites never need it

    ok, data = _parse_json(obs)
    if not ok:
        return _verdict(False, f"output is not JSON: {_clip(obs.output)}")
    validator_class = jsonschema.validators.validator_for(a.value)
    try:
        validator_class.check_schema(a.value)
    except jsonschema.SchemaError as e:
        return _error(f"invalid JSON Schema: {e.message}")
    error = jsonschema.exceptions.best_match(validator_class(a.value).iter_errors(data))
    if error is None:
        return _verdict(True, "output matches the schema")
    where = "$" + "".join(f"[{p!r}]" for p in error.absolute_path)
    return _verdict(False, f"{where}: {error.message}")


def check_json_path(a: JsonPathAssertion, obs: Observation) -> Check:
    ok, data = _parse_json(obs)
    if not ok:
        return _verdict(False, f"output is not JSON: {_clip(obs.output)}")
    try:
        found, value = jsonpath.find(data, a.path)
    except ValueError as e:
        return _error(str(e))
    if not found:
        return _verdict(False, f"{a.path} not found")
    if a.equals is not None and value != a.equals:
        return _verdict(False, f"{a.path} is {value!r}, expected {a.equals!r}")
    if a.min is not None or a.max is not None:
        return _check_range(a, value)
    return _verdict(True, f"{a.path} is {value!r}")


def _check_range(a: JsonPathAssertion, value: Any) -> Check:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _verdict(False, f"{a.path} is {value!r}, not a number")
    low = a.min if a.min is not None else float("-inf")
    high = a.max if a.max is not None else float("inf")
    ok = low <= value <= high
    side = "within" if ok else "outside"
    return _verdict(ok, f"{a.path} is {value!r}, {side} [{a.min}, {a.max}]")


def matches_partially(expected: Any, actual: Any) -> bool:
    """Every key given in `expected` has the same value in `actual`, recursively."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and matches_partially(v, actual[k]) for k, v in expected.items()
        )
    return bool(expected == actual)


def check_tool_called(a: ToolCalledAssertion, obs: Observation) -> Check:
    count = sum(
        1 for c in obs.tool_calls if c.name == a.name and matches_partially(a.args, c.arguments)
    )
    ok = count >= a.min and (a.max is None or count <= a.max)
    bound = f"{a.min}..{a.max}" if a.max is not None else f"≥ {a.min}"
    what = a.name + (f" with {json.dumps(a.args, sort_keys=True)}" if a.args else "")
    reason = f"{what} called {count}× (expected {bound})"
    if not ok:
        reason += f"; calls: {_call_names(obs)}"
    return _verdict(ok, reason)


def check_tool_not_called(a: ToolNotCalledAssertion, obs: Observation) -> Check:
    count = sum(1 for c in obs.tool_calls if c.name == a.name)
    return _verdict(count == 0, f"{a.name} called {count}×")


def check_tool_sequence(a: ToolSequenceAssertion, obs: Observation) -> Check:
    names = [c.name for c in obs.tool_calls]
    if a.mode == "exact":
        ok = names == list(a.value)
    else:
        remaining = iter(names)
        ok = all(any(n == want for n in remaining) for want in a.value)
    return _verdict(ok, f"calls {_call_names(obs)}; expected {a.mode} {list(a.value)}")


def _call_names(obs: Observation) -> str:
    return "[" + ", ".join(c.name for c in obs.tool_calls) + "]"


def check_limit(a: LimitAssertion, obs: Observation) -> Check:
    value = {"latency-ms": obs.latency_ms, "tokens": obs.tokens, "cost": obs.cost}[a.type]
    if value is None:
        return _error(f"the target reported no {a.type.removesuffix('-ms')}")
    ok = value <= a.max
    return _verdict(ok, f"{a.type} {value:g} {'≤' if ok else '>'} {a.max:g}")


def check_rubric(a: RubricAssertion, judgment: JudgeReply | None) -> Check:
    if judgment is None or judgment.text is None:
        reason = judgment.error if judgment and judgment.error else "no verdict"
        return _error(f"judge {a.model}: {reason}")
    try:
        verdict = parse_verdict(judgment.text, threshold=a.threshold)
    except ValueError as e:
        return _error(f"judge {a.model}: {e}")
    outcome = CheckOutcome.PASS if verdict.passed else CheckOutcome.FAIL
    return Check(outcome, verdict.score, f"judge {a.model}: {verdict.reason}")


_CHECKERS: dict[type[Any], Callable[[Any, Observation], Check]] = {
    TextAssertion: check_text,
    RegexAssertion: check_regex,
    IsJsonAssertion: check_is_json,
    JsonSchemaAssertion: check_json_schema,
    JsonPathAssertion: check_json_path,
    ToolCalledAssertion: check_tool_called,
    ToolNotCalledAssertion: check_tool_not_called,
    ToolSequenceAssertion: check_tool_sequence,
    LimitAssertion: check_limit,
}
