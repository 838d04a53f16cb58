"""What one Foundry promote of one agent asks of the project, and how long it takes against the
loopback HTTPS fake.

    python bench/foundry_promote.py [--runs N]

The adapter runs on `azure-ai-projects` with `DefaultAzureCredential` (workload identity: a
federated token file exchanged at the fake's token endpoint) over TLS to the fake of
tests/adapters/platforms/foundry on 127.0.0.1, which checks each request and reply against
Foundry's OpenAPI description; so the time is the adapter's, the SDK's, the credential's and a
loopback TLS round trip each, without Foundry's own work. Each case is one command's platform
work, as `agentcd promote` and `agentcd rollback` do it: a fresh platform per case, as each run
is, so each starts with its token request. Prints, per case, the calls by operation and the
median time.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.adapters.platforms.foundry.conftest import make_foundry_release
from tests.adapters.platforms.foundry.env import attach, new_fake, session_server, workload_identity
from tests.adapters.platforms.foundry.fake import Server

from agentcd.adapters.platforms.foundry import open_platform
from agentcd.commands._deploy import put
from agentcd.core.definition.model import FoundryTarget

CASES = ("first", "again", "changed", "rollback", "re-apply")
CHANGED = "Read the ticket twice, then route it to the right queue.\n"
TOKEN = "bench"  # the federated token's name: one token file serves every round


def one_round(server: Server, endpoint: str) -> dict[str, tuple[float, list[str]]]:
    fake = new_fake(TOKEN)
    attach(server, fake)
    target = FoundryTarget(platform="foundry", endpoint=endpoint)
    old, new = make_foundry_release(), make_foundry_release(instructions=CHANGED)
    # rollback: what `agentcd rollback` asks, the recorded version "1" re-pointed (`put`);
    # re-apply: the changed release applied again after it, found by its marks (a promote of
    # the change once more).
    recorded = (None, None, None, "1", None)
    out = {}
    for case, release, hint in zip(CASES, (old, old, new, old, new), recorded, strict=True):
        platform = open_platform(target, project_dir=Path("."))
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
    cleanups: list[object] = []
    # the tests' session server, started outside pytest: a stash and the cleanups it registers
    config = SimpleNamespace(stash=pytest.Stash(), add_cleanup=cleanups.append)
    environment = pytest.MonkeyPatch()
    with tempfile.TemporaryDirectory() as folder:
        server, bundle = session_server(config, Path(folder) / "tls")  # type: ignore[arg-type]
        try:
            endpoint = workload_identity(environment, server, bundle, new_fake(TOKEN), Path(folder))
            rounds = [one_round(server, endpoint) for _ in range(runs)]
        finally:
            server.stop()
            environment.undo()
    for case in CASES:
        seconds = statistics.median(r[case][0] for r in rounds)
        calls = rounds[0][case][1]
        counted = ", ".join(f"{op} {n}" for op, n in collections.Counter(calls).items())
        print(f"{case:9} {len(calls):3} calls  {seconds * 1000:6.1f} ms   {counted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
