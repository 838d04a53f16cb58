"""GitLab dotenv reports: what GitLab accepts, and a clear refusal for what it would drop."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcd.adapters.hosts.gitlab_ci import format_dotenv, write_dotenv
from agentcd.errors import AgentcdError


def test_writes_one_variable_per_line(tmp_path: Path) -> None:
    path = tmp_path / "out" / "plan.env"
    write_dotenv(path, {"AGENTCD_VERDICT": "passed", "AGENTCD_DIGEST": "sha256:" + "a" * 64})
    assert path.read_bytes() == (
        b"AGENTCD_VERDICT=passed\nAGENTCD_DIGEST=sha256:" + b"a" * 64 + b"\n"
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"AGENTCD-DIGEST": "x"}, "'AGENTCD-DIGEST' is not a valid variable name"),
        ({"DÉJÀ": "x"}, "is not a valid variable name"),
        ({"CHANGED": "a\nb"}, "CHANGED: GitLab keeps neither line breaks"),
        ({"CHANGED": " a"}, "CHANGED: GitLab keeps neither"),
        ({f"V{n}": "x" for n in range(21)}, "21 variables; GitLab accepts 20"),
        ({"BIG": "x" * 5200}, "larger than GitLab's 5,120 bytes"),
    ],
)
def test_refuses_what_gitlab_would_reject(variables: dict[str, str], message: str) -> None:
    with pytest.raises(AgentcdError, match=message):
        format_dotenv(variables, where="plan.env")
