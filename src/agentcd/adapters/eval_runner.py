"""Running trials: bounded thread concurrency, retries with backoff, budget caps, the cache.

Each job is one trial of one case against one artifact. Retryable faults (429, 5xx, timeouts,
resets) are retried with exponential backoff and, if they persist, end the trial as an error,
never a failure. Once a budget cap is reached no further trial starts; the caller reports the
run as exhausted, which makes the verdict inconclusive. Jobs with equal keys run once.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from agentcd.adapters.eval_cache import EvalCache
from agentcd.adapters.eval_progress import Progress
from agentcd.adapters.invokers.base import InvokeError, Invoker, Judge
from agentcd.core.evals.invocation import InvokeRequest, question_text
from agentcd.core.evals.judge import judge_messages
from agentcd.core.evals.observation import JudgeReply, Observation
from agentcd.core.evals.settings import Budget
from agentcd.core.evals.suite import RubricAssertion
from agentcd.core.evals.trials import RunnerOptions, RunReport, TrialJob, TrialRecord


class _Meter:
    """Calls, tokens and cost spent so far, against the budget; shared by the workers."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.calls = self.tokens = 0
        self.cost = 0.0
        self.exhausted = False
        self._lock = threading.Lock()

    def may_start(self) -> bool:
        with self._lock:
            b = self.budget
            over = (
                (b.max_calls is not None and self.calls >= b.max_calls)
                or (b.max_tokens is not None and self.tokens >= b.max_tokens)
                or (b.max_cost is not None and self.cost >= b.max_cost)
            )
            self.exhausted = self.exhausted or over
            return not over

    def spend(self, *, calls: int = 0, tokens: int | None = 0, cost: float | None = 0.0) -> None:
        with self._lock:
            self.calls += calls
            self.tokens += tokens or 0
            self.cost += cost or 0.0


def open_runner(
    invoker: Invoker,
    *,
    judge: Judge | None,
    options: RunnerOptions,
    cache_dir: Path | None,
    trials: int,
    interactive: bool,
) -> Runner:
    """A runner with the cache in `cache_dir` (none when None) and its progress on stderr."""
    cache = EvalCache(cache_dir) if cache_dir is not None else None
    progress = Progress(trials, stream=sys.stderr, tty=interactive)
    return Runner(invoker, judge=judge, options=options, cache=cache, progress=progress)


class Runner:
    def __init__(
        self,
        invoker: Invoker,
        *,
        judge: Judge | None,
        options: RunnerOptions,
        cache: EvalCache | None,
        progress: Progress | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.invoker, self.judge, self.options = invoker, judge, options
        self.cache, self.progress, self._sleep = cache, progress, sleep

    def run(self, jobs: Sequence[TrialJob]) -> RunReport:
        """Every distinct job's record; jobs skipped for budget have none."""
        # Imported here: every command's wiring imports this module, only a run needs threads.
        from concurrent.futures import ThreadPoolExecutor

        unique = list({job.key: job for job in jobs}.values())
        meter = _Meter(self.options.budget)
        records: dict[str, TrialRecord] = {}
        workers = max(1, min(self.options.concurrency, len(unique) or 1))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eval") as pool:
            for key, record in zip(
                (j.key for j in unique),
                pool.map(lambda j: self._one(j, meter), unique),
                strict=True,
            ):
                if record is not None:
                    records[key] = record
        if self.progress is not None:
            self.progress.finish()
        return RunReport(records, meter.calls, meter.tokens, meter.cost, meter.exhausted)

    def _one(self, job: TrialJob, meter: _Meter) -> TrialRecord | None:
        hit = self.cache.get(job.key) if self.cache is not None else None
        if hit is not None:
            self._advance(error=False, cached=True)
            return TrialRecord(hit[0], hit[1], cached=True)
        if not meter.may_start():
            self._advance(error=True, cached=False)
            return None
        observation = self._call(lambda: self.invoker.invoke(job.request, timeout=self._timeout))
        meter.spend(calls=observation.calls, tokens=observation.tokens, cost=observation.cost)
        judgments = self._judge(job.request, observation, meter)
        failed = observation.error is not None or any(j.error for j in judgments.values())
        if not failed and self.cache is not None:
            self.cache.put(job.key, observation, judgments)
        self._advance(error=failed, cached=False)
        return TrialRecord(observation, judgments)

    @property
    def _timeout(self) -> float:
        return self.options.timeout_s

    def _call(self, attempt: Callable[[], Observation]) -> Observation:
        for tries in range(1, self.options.retries + 2):
            try:
                result = attempt()
            except InvokeError as e:
                if not e.retryable or tries > self.options.retries:
                    return Observation(error=f"{e} (attempt {tries})", calls=tries)
                self._sleep(self._delay(tries, e.retry_after))
            else:  # failed attempts were calls too: they count against the budget
                return replace(result, calls=result.calls + tries - 1)
        raise AssertionError("unreachable")  # the loop always returns

    def _delay(self, tries: int, retry_after: float | None) -> float:
        backoff = self.options.backoff_s * 2 ** (tries - 1)
        wait = max(backoff, retry_after or 0.0)
        return float(min(wait, self.options.max_backoff_s))

    def _judge(
        self, request: InvokeRequest, observation: Observation, meter: _Meter
    ) -> dict[int, JudgeReply]:
        rubrics = [
            (i, a) for i, a in enumerate(request.case.expect) if isinstance(a, RubricAssertion)
        ]
        if observation.error is not None or not rubrics:
            return {}
        if self.judge is None:
            return {i: JudgeReply(error="no judge configured") for i, _ in rubrics}
        replies = {}
        for index, rubric in rubrics:
            messages = judge_messages(
                rubric.value, question=question_text(request.case), answer=observation.output
            )
            replies[index] = self._ask_judge(rubric.model, messages, meter)
        return replies

    def _ask_judge(self, model: str, messages: list[dict[str, str]], meter: _Meter) -> JudgeReply:
        judge = self.judge
        assert judge is not None
        spent = {"tokens": 0}

        def attempt() -> Observation:
            text, tokens = judge.judge(model, messages, timeout=self._timeout)
            spent["tokens"] = tokens
            return Observation(output=text)

        result = self._call(attempt)
        meter.spend(calls=result.calls, tokens=spent["tokens"])
        return JudgeReply(error=result.error) if result.error else JudgeReply(text=result.output)

    def _advance(self, *, error: bool, cached: bool) -> None:
        if self.progress is not None:
            self.progress.advance(error=error, cached=cached)
