"""A run's final state read as the contract's reply (pure: the shapes the server returns)."""

from __future__ import annotations

from typing import Any

import pytest

from agentcd.adapters.platforms.langgraph_runs import reply_of
from agentcd.errors import PlatformError

ASKED = {"type": "human", "content": "hello", "id": "m0"}


def ai(content: Any, calls: list[dict[str, Any]] | None = None, **more: Any) -> dict[str, Any]:
    return {"type": "ai", "content": content, "tool_calls": calls or [], **more}


@pytest.mark.parametrize(
    ("added", "reply"),
    [
        ([ai("Hi.")], {"output": "Hi.", "tool_calls": []}),
        (
            [ai([{"type": "text", "text": "Hi, "}, {"type": "tool_use", "id": "x"}, "there."])],
            {"output": "Hi, there.", "tool_calls": []},
        ),
        (
            [
                ai("", [{"name": "lookup", "args": {"n": "1"}, "id": "c1"}]),
                {"type": "tool", "content": "shipped", "tool_call_id": "c1"},
                ai("It shipped.", usage_metadata={"input_tokens": 7, "output_tokens": 2}),
            ],
            {
                "output": "It shipped.",
                "tool_calls": [{"name": "lookup", "arguments": {"n": "1"}}],
                "usage": {"input_tokens": 7, "output_tokens": 2},
            },
        ),
    ],
)
def test_the_reply_is_the_last_ai_text_and_every_call_the_run_made(
    added: list[dict[str, Any]], reply: dict[str, Any]
) -> None:
    assert reply_of("invoking a in dev", {"messages": [ASKED, *added]}, sent=1) == reply


@pytest.mark.parametrize(
    ("state", "says"),
    [
        ({"messages": [ASKED]}, "the run added no AI message"),
        ({"answer": "Hi."}, "the graph's state has no messages"),
        ([], "the graph's state has no messages"),
    ],
)
def test_a_state_without_an_answer_is_an_error(state: Any, says: str) -> None:
    with pytest.raises(PlatformError, match=f"^invoking a in dev: {says}$"):
        reply_of("invoking a in dev", state, sent=1)


def test_the_messages_sent_are_not_read_as_the_answer() -> None:
    """An AI message among the request's own (a conversation so far) is not the answer."""
    earlier = ai("Earlier answer.")
    with pytest.raises(PlatformError, match="added no AI message"):
        reply_of("invoking a in dev", {"messages": [earlier, ASKED]}, sent=2)
