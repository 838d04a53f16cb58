"""What one Langfuse promote of one agent asks of the server, and how long it takes against the
loopback fake.

    python bench/langfuse_promote.py [--runs N]

The adapter runs on the `langfuse` SDK's REST client (httpx, Basic auth, pydantic parsing) over
HTTP to the fake of tests/adapters/platforms/langfuse on 127.0.0.1, which checks each request
and reply against Langfuse's OpenAPI description; so the time is the adapter's, the SDK's and a
loopback round trip each, without Langfuse's database. Each case is one command's platform
work, as `agentcd promote` and `agentcd rollback` do it (a fresh platform per case, as each
run is). Prints, per case, the calls by operation and the median time.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.adapters.platforms.langfuse.conftest import make_release_of, make_target
from tests.adapters.platforms.langfuse.fake import PUBLIC_KEY, SECRET_KEY, FakeLangfuse, Loopback

from agentcd.adapters.platforms.langfuse import open_platform
from agentcd.commands._deploy import put

CASES = ("first", "again", "next env", "changed", "rollback", "re-apply")
CHANGED = "Read the ticket twice, then route it to the right queue.\n"


def one_round(server: Loopback) -> dict[str, tuple[float, list[str]]]:
    fake = server.fake = FakeLangfuse()
    old, new = make_release_of("dev"), make_release_of("dev", instructions=CHANGED)
    # next env: the same release in prod, its label moved to dev's version (a promote --from);
    # rollback: what `agentcd rollback` asks, the recorded version "1" given the label (`put`);
    # re-apply: the new release applied again, found by its stamp (a promote of a revert).
    releases = (old, old, make_release_of("prod"), new, old, new)
    recorded = (None, None, None, None, "1", None)
    out = {}
    for case, release, hint in zip(CASES, releases, recorded, strict=True):
        platform = open_platform(make_target(server.url), project_dir=Path("."))
        fake.calls.clear()
        started = time.perf_counter()
        put(platform, platform.render(release), hint)
        out[case] = (time.perf_counter() - started, list(fake.calls))
    assert not fake.violations, fake.violations
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    for name in [n for n in os.environ if n.startswith(("LANGFUSE_", "OTEL_"))]:
        del os.environ[name]
    os.environ |= {"LANGFUSE_PUBLIC_KEY": PUBLIC_KEY, "LANGFUSE_SECRET_KEY": SECRET_KEY}
    server = Loopback(FakeLangfuse())
    try:
        rounds = [one_round(server) for _ in range(runs)]
    finally:
        server.stop()
    for case in CASES:
        seconds = statistics.median(r[case][0] for r in rounds)
        calls = rounds[0][case][1]
        counted = ", ".join(f"{op} {n}" for op, n in collections.Counter(calls).items())
        print(f"{case:9} {len(calls):3} calls  {seconds * 1000:6.1f} ms   {counted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
