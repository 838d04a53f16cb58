"""The runner: bounded concurrency, retries recorded as errors, budget caps, the cache."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from agentcd.adapters.eval_cache import EvalCache
from agentcd.adapters.eval_progress import Progress
from agentcd.adapters.eval_runner import Runner
from agentcd.adapters.invokers.base import InvokeError
from agentcd.core.evals.invocation import InvokeRequest
from agentcd.core.evals.observation import Observation
from agentcd.core.evals.settings import Budget
from agentcd.core.evals.suite import Case
from agentcd.core.evals.trials import RunnerOptions, TrialJob, trial_key

Behaviour = Callable[[InvokeRequest, int], Observation]


class FakeInvoker:
    """Answers by a behaviour of (request, attempt number); tracks calls and concurrency."""

    def __init__(self, behaviour: Behaviour, *, delay_s: float = 0.0) -> None:
        self.behaviour, self.delay_s = behaviour, delay_s
        self.attempts: Counter[tuple[str, int]] = Counter()
        self.in_flight = self.peak = 0
        self._lock = threading.Lock()

    def invoke(self, request: InvokeRequest, *, timeout: float) -> Observation:
        key = (request.case.id, request.trial)
        with self._lock:
            self.attempts[key] += 1
            attempt = self.attempts[key]
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            time.sleep(self.delay_s)
            return self.behaviour(request, attempt)
        finally:
            with self._lock:
                self.in_flight -= 1


class FakeJudge:
    def __init__(self, reply: str) -> None:
        self.reply, self.calls = reply, 0

    def judge(
        self, model: str, messages: list[dict[str, str]], *, timeout: float
    ) -> tuple[str, int]:
        self.calls += 1
        return self.reply, 20


def answer(request: InvokeRequest, attempt: int) -> Observation:
    return Observation(output=f"answer {request.case.id}", tokens_in=10, tokens_out=5)


def jobs(n: int, *, repeat: int = 1, rubric: bool = False) -> list[TrialJob]:
    expect = [{"type": "contains", "value": "answer"}]
    if rubric:
        expect.append({"type": "llm-rubric", "value": "good", "model": "judge-1"})
    out = []
    for i in range(n):
        case = Case.model_validate(
            {"id": f"c{i}", "input": "hi", "expect": expect, "repeat": repeat}
        )
        for t in range(repeat):
            key = trial_key(artifact="sha256:a", case=f"c{i}", trial=t, target="t")
            out.append(TrialJob(key, InvokeRequest("agent", "sha256:a", {}, case, t)))
    return out


def runner(invoker: FakeInvoker, sleeps: list[float] | None = None, **options: object) -> Runner:
    return Runner(
        invoker,
        judge=None,
        options=RunnerOptions(**options),  # type: ignore[arg-type]
        cache=None,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
    )


def test_concurrency_is_bounded_and_used() -> None:
    invoker = FakeInvoker(answer, delay_s=0.05)
    report = runner(invoker, concurrency=4).run(jobs(12))
    assert len(report.records) == 12
    assert invoker.peak == 4
    assert (report.calls, report.tokens) == (12, 180)


def test_transient_faults_are_retried_with_backoff() -> None:
    def flaky(request: InvokeRequest, attempt: int) -> Observation:
        if attempt < 3:
            raise InvokeError("HTTP 429", retryable=True, retry_after=1.5 if attempt == 2 else None)
        return answer(request, attempt)

    sleeps: list[float] = []
    report = runner(FakeInvoker(flaky), sleeps, retries=3, backoff_s=0.5).run(jobs(1))
    (record,) = report.records.values()
    assert record.observation.error is None
    assert sleeps == [0.5, 1.5]  # exponential, or the server's Retry-After when longer


def test_persistent_faults_end_as_errors_not_failures() -> None:
    def down(request: InvokeRequest, attempt: int) -> Observation:
        raise InvokeError("HTTP 503", retryable=True)

    sleeps: list[float] = []
    report = runner(FakeInvoker(down), sleeps, retries=2, backoff_s=1, max_backoff_s=1.5).run(
        jobs(1)
    )
    (record,) = report.records.values()
    assert record.observation.error == "HTTP 503 (attempt 3)"
    assert record.observation.calls == 3
    assert sleeps == [1, 1.5]


def test_non_retryable_faults_are_not_retried() -> None:
    def broken(request: InvokeRequest, attempt: int) -> Observation:
        raise InvokeError("malformed", retryable=False)

    invoker = FakeInvoker(broken)
    report = runner(invoker, retries=3).run(jobs(1))
    assert sum(invoker.attempts.values()) == 1
    assert next(iter(report.records.values())).observation.error == "malformed (attempt 1)"


@pytest.mark.parametrize(
    ("budget", "ran"),
    [(Budget(max_calls=5), 5), (Budget(max_tokens=45), 3), (Budget(max_calls=100), 10)],
)
def test_budget_caps_stop_new_trials(budget: Budget, ran: int) -> None:
    invoker = FakeInvoker(answer)
    report = runner(invoker, concurrency=1, budget=budget).run(jobs(10))
    assert len(report.records) == ran
    assert report.exhausted is (ran < 10)


def test_cache_serves_unchanged_trials_and_skips_errors(tmp_path: Path) -> None:
    cache = EvalCache(tmp_path / "cache")

    def fail_c1(request: InvokeRequest, attempt: int) -> Observation:
        if request.case.id == "c1":
            raise InvokeError("HTTP 500", retryable=False)
        return answer(request, attempt)

    first = FakeInvoker(fail_c1)
    Runner(first, judge=None, options=RunnerOptions(), cache=cache).run(jobs(3))
    second = FakeInvoker(answer)
    report = Runner(second, judge=None, options=RunnerOptions(), cache=cache).run(jobs(3))
    assert list(second.attempts) == [("c1", 0)]  # only the errored trial runs again
    assert {k: r.cached for k, r in report.records.items()} == {
        j.key: j.request.case.id != "c1" for j in jobs(3)
    }
    cached = next(r for r in report.records.values() if r.cached)
    assert cached.observation.output.startswith("answer c")
    assert cached.observation.tokens == 15


def test_equal_keys_run_once() -> None:
    invoker = FakeInvoker(answer)
    report = runner(invoker).run(jobs(2) + jobs(2))
    assert sum(invoker.attempts.values()) == 2
    assert len(report.records) == 2


def test_judge_replies_are_collected_and_cached(tmp_path: Path) -> None:
    judge = FakeJudge('{"pass": true, "score": 1, "reason": "ok"}')
    cache = EvalCache(tmp_path)
    options = RunnerOptions()
    report = Runner(FakeInvoker(answer), judge=judge, options=options, cache=cache).run(
        jobs(1, rubric=True)
    )
    (record,) = report.records.values()
    assert record.judgments[1].text == judge.reply
    assert report.tokens == 15 + 20
    again = Runner(FakeInvoker(answer), judge=judge, options=options, cache=cache).run(
        jobs(1, rubric=True)
    )
    assert judge.calls == 1
    assert next(iter(again.records.values())).judgments[1].text == judge.reply


def test_progress_writes_lines_when_not_a_terminal() -> None:
    import io

    stream = io.StringIO()
    ticks = iter([0.0, 1.0, 6.0, 7.0, 13.0])
    progress = Progress(4, stream=stream, tty=False, interval_s=5.0, clock=lambda: next(ticks))
    for error in (False, True, False, False):
        progress.advance(error=error)
    progress.finish()
    assert stream.getvalue().splitlines() == [
        "eval: 2/4 trials (1 errors, 0 cached)",
        "eval: 4/4 trials (1 errors, 0 cached)",
    ]
