"""What one MLflow promote of one agent asks of the prompt registry, and how long it takes,
against a real `mlflow server` on this machine.

    python bench/mlflow_promote.py [--runs N]

Starts the tests' server (tests/adapters/platforms/mlflow/server.py: SQLite store, one worker,
job execution and telemetry off) and prints how long it took to be ready and its resident
memory; then runs the adapter on mlflow-skinny's client through the tests' loopback gateway,
which counts the HTTP requests. Each case is one command's platform work, as `agentcd promote`
and `agentcd rollback` do it (a fresh platform per case, as each run is), on prompts of its own
round. Prints, per case, the requests by endpoint and the median time.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.adapters.platforms.mlflow.conftest import make_mlflow_release
from tests.adapters.platforms.mlflow.server import QUIET, Gateway, start_server

from agentcd.adapters.platforms.mlflow import open_platform
from agentcd.commands._deploy import put
from agentcd.core.definition.model import MlflowTarget

CASES = ("first", "again", "changed", "rollback", "re-apply")
CHANGED = "Read the ticket, name its queue, then thank the customer.\n"


def one_round(gateway: Gateway, number: int) -> dict[str, tuple[float, list[str]]]:
    target = MlflowTarget(
        platform="mlflow", tracking_uri=gateway.url, naming=f"bench{number}.{{agent}}"
    )
    old, new = make_mlflow_release(), make_mlflow_release(instructions=CHANGED)
    # rollback: what `agentcd rollback` asks, the recorded version "1" re-pointed (`put`);
    # re-apply: the old release applied again, found by its stamp (a promote of a revert).
    recorded = (None, None, None, "1", None)
    out = {}
    for case, release, hint in zip(CASES, (old, old, new, old, new), recorded, strict=True):
        platform = open_platform(target, project_dir=Path("."))
        rendered = platform.render(release)
        before = len(gateway.requests)
        started = time.perf_counter()
        put(platform, rendered, hint)
        seconds = time.perf_counter() - started
        out[case] = (seconds, [line for _, line in gateway.requests[before:]])
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    os.environ |= QUIET
    with tempfile.TemporaryDirectory(prefix="mlflow-bench-") as folder:
        server = start_server(Path(folder))
        gateway = Gateway(server.url).start()
        try:
            print(f"server ready in {server.started_s:.1f} s, {server.rss_kb() / 1024:.0f} MiB RSS")
            os.environ["MLFLOW_TRACKING_USERNAME"] = "bench"
            os.environ["MLFLOW_TRACKING_PASSWORD"] = gateway.add_user("bench")
            rounds = [one_round(gateway, n) for n in range(runs)]
            print(f"after {runs} rounds: {server.rss_kb() / 1024:.0f} MiB RSS")
        finally:
            gateway.stop()
            server.stop()
    for case in CASES:
        seconds = statistics.median(r[case][0] for r in rounds)
        calls = rounds[0][case][1]
        counted = ", ".join(
            f"{line.split('/mlflow/')[-1]} {n}" for line, n in collections.Counter(calls).items()
        )
        print(f"{case:9} {len(calls):3} calls  {seconds * 1000:6.1f} ms   {counted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
