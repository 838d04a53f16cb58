"""Releases (artifact plus an environment's bindings) and pull-request numbers from commits."""

from __future__ import annotations

import pytest

from agentcd.core.definition.digest import agent_bindings, deployment_digest
from agentcd.core.definition.model import Environment
from agentcd.core.deploy.promotion import pull_request_number
from agentcd.core.deploy.release import make_release
from tests.core.ledger_records import digest

ARTIFACT = {
    "metadata": {"name": "triage"},
    "tools": [{"name": "lookup", "binding": "orders_api"}, {"name": "crm", "binding": "crm"}],
    "knowledge": [{"name": "kb", "binding": "kb"}],
}
PROD = Environment(
    name="prod", target="t", bindings={"orders_api": "https://o", "kb": "kb-1", "unused": 1}
)


def test_a_release_takes_only_the_bindings_the_agent_declares() -> None:
    release = make_release(PROD, artifact=ARTIFACT, artifact_digest=digest("a"), commit=None)
    assert dict(release.bindings) == {"orders_api": "https://o", "kb": "kb-1"}
    assert release.missing_bindings == ("crm",)
    assert release.deployment_digest == deployment_digest(digest("a"), release.bindings)
    assert release.bindings == agent_bindings(ARTIFACT, PROD.bindings)


def test_recorded_bindings_replace_the_environment_s() -> None:
    old = {"orders_api": "https://old", "kb": "kb-0", "crm": "c"}
    release = make_release(
        PROD, artifact=ARTIFACT, artifact_digest=digest("a"), commit="c" * 40, bindings=old
    )
    assert dict(release.bindings) == old and release.missing_bindings == ()
    assert (
        release.deployment_digest
        != make_release(
            PROD, artifact=ARTIFACT, artifact_digest=digest("a"), commit=None
        ).deployment_digest
    )


@pytest.mark.parametrize(
    ("message", "number"),
    [
        ("Merge pull request #42 from ana/refunds\n\nRefund limits", 42),
        ("Tighten refund limits (#17)", 17),
        ("Tighten refund limits (#17)\n\n* squashed commit", 17),
        ("Merge branch 'refunds' into 'main'\n\nLimits\n\nSee merge request team/desk!9\n", 9),
        ("Fix (#17) typo in the middle", None),
        ("Refs #12 in the body only\n\nsee #12", None),
        ("", None),
    ],
)
def test_pull_request_number(message: str, number: int | None) -> None:
    assert pull_request_number(message) == number
