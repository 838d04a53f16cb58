"""What one LangGraph promote of one agent asks of the server, and how long it takes against a
real `langgraph dev` server.

    python bench/langgraph_promote.py [--runs N]

The adapter runs on `langgraph-sdk` (httpx) over HTTP to the server the tests start
(tests/adapters/platforms/langgraph/server.py: the in-memory runtime on 127.0.0.1, its API-key
check, nothing sent off the machine), so the time is the adapter's, the SDK's and the server's
own. Each case is one command's platform work, as `agentcd promote` and `agentcd rollback` do
it (a fresh platform per case, as each run is), on an empty deployment each round. Prints the
server's start time and memory, then, per case, the calls by operation and the median time.
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

from tests.adapters.platforms.langgraph.conftest import (
    INSTRUCTIONS,
    counted_platform,
    make_langgraph_release,
)
from tests.adapters.platforms.langgraph.server import KEY_ENV, Server, start

from agentcd.commands._deploy import put

CASES = ("first", "again", "changed", "rollback", "re-apply")


def one_round(server: Server) -> dict[str, tuple[float, list[str]]]:
    server.reset()
    old = make_langgraph_release()
    new = make_langgraph_release(instructions=INSTRUCTIONS + "Greet the customer by name.\n")
    # rollback: what `agentcd rollback` asks, the recorded version "1" set latest (`put`);
    # re-apply: the new release applied again, found by its marks (a promote of a revert).
    recorded = (None, None, None, "1", None)
    out = {}
    for case, release, hint in zip(CASES, (old, old, new, old, new), recorded, strict=True):
        calls: list[str] = []
        platform = counted_platform(server, calls)
        started = time.perf_counter()
        put(platform, platform.render(release), hint)
        out[case] = (time.perf_counter() - started, calls)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        server = start(Path(folder) / "server")
        try:
            print(f"server    ready in {server.started_s:.2f}s, {server.rss_mb():.0f} MB RSS")
            os.environ[KEY_ENV] = server.key
            rounds = [one_round(server) for _ in range(runs)]
            print(f"server    {server.rss_mb():.0f} MB RSS after {runs} rounds")
        finally:
            server.stop()
    for case in CASES:
        median = statistics.median(r[case][0] for r in rounds)
        calls = rounds[0][case][1]
        counted = ", ".join(f"{op} {n}" for op, n in collections.Counter(calls).items())
        print(f"{case:9} {len(calls):3} calls  {median * 1000:6.1f} ms   {counted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
