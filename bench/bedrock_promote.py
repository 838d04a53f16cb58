"""What one Bedrock promote of one agent asks of AWS, and how long it takes against the fake.

    python bench/bedrock_promote.py [--runs N]

The adapter runs on real boto3 clients (serializing, SigV4 signing, parsing) with the in-process
fake of tests/adapters/platforms/bedrock behind botocore's `before-send`, so the time is the
adapter's and botocore's own, without the network or AWS's preparing. The agent has two tools
and one knowledge base. Each case is one command's platform work, as `agentcd promote` and
`agentcd rollback` do it (a fresh platform per case, as each run is). Prints, per case, the
calls by operation and the median time.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.adapters.platforms.bedrock.conftest import (
    INSTRUCTIONS,
    make_bedrock_release,
    make_target,
)
from tests.adapters.platforms.bedrock.fake import FakeBedrock

from agentcd.adapters.platforms.bedrock import BedrockPlatform, open_bedrock
from agentcd.commands._deploy import put

CASES = ("first", "again", "changed", "rollback", "re-apply")


def fake_credentials() -> None:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ |= {
        "AWS_ACCESS_KEY_ID": "AKIAFAKEKEY000000000",
        "AWS_SECRET_ACCESS_KEY": "fake-secret-key",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def one_round() -> dict[str, tuple[float, list[str]]]:
    fake = FakeBedrock()
    fake.knowledge_base_ids |= {"KBPROD0001"}
    real = open_bedrock(make_target())
    fake.attach(real.clients.agent, real.clients.runtime)
    platform = BedrockPlatform(
        dataclasses.replace(real.clients, sleep=lambda s: None), real.options
    )
    old = make_bedrock_release()
    new = make_bedrock_release(instructions=INSTRUCTIONS + "Greet the customer by name.\n")
    out = {}
    # rollback: what `agentcd rollback` asks, the recorded version "1" re-pointed (`put`);
    # re-apply: the old release applied again, found by its stamp (a promote of a revert).
    recorded = (None, None, None, "1", None)
    for case, release, hint in zip(CASES, (old, old, new, old, new), recorded, strict=True):
        fake.calls.clear()
        platform = BedrockPlatform(platform.clients, platform.options)  # each run lists anew
        started = time.perf_counter()
        put(platform, platform.render(release), hint)
        out[case] = (time.perf_counter() - started, list(fake.calls))
    assert not fake.violations, fake.violations
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    fake_credentials()
    rounds = [one_round() for _ in range(runs)]
    for case in CASES:
        seconds = statistics.median(r[case][0] for r in rounds)
        calls = rounds[0][case][1]
        counted = ", ".join(f"{op} {n}" for op, n in collections.Counter(calls).items())
        print(f"{case:9} {len(calls):3} calls  {seconds * 1000:6.1f} ms   {counted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
