"""A LangGraph run as the eval contract sees it: the request's messages as a graph's input, and
the reply read from the run's final state (a `MessagesState`). Pure: no SDK, no network."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentcd.adapters.platforms.protocol import PlatformError

ROLES = ("user", "assistant", "system")  # the message roles a graph's messages take


def messages_of(what: str, request: Mapping[str, Any]) -> list[dict[str, str]]:
    messages = list(request.get("messages") or [])
    if not messages or messages[-1].get("role") != "user":
        raise PlatformError(f"{what}: the request must end with a user message")
    if any(m.get("role") not in ROLES for m in messages):
        raise PlatformError(f"{what}: a graph's messages are {', '.join(ROLES)} only")
    return [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]


def reply_of(what: str, state: Any, *, sent: int) -> dict[str, Any]:
    """The contract's reply from a run's final state: the last AI message's text, the tool
    calls of every AI message the run added, and their token counts when the model gave them."""
    messages = state.get("messages") if isinstance(state, dict) else None
    if not isinstance(messages, list):
        raise PlatformError(f"{what}: the graph's state has no messages")
    added = [m for m in messages[sent:] if isinstance(m, dict) and m.get("type") == "ai"]
    if not added:
        raise PlatformError(f"{what}: the run added no AI message")
    calls = [
        {"name": c.get("name"), "arguments": c.get("args") or {}}
        for m in added
        for c in m.get("tool_calls") or []
    ]
    reply: dict[str, Any] = {"output": text_of(added[-1].get("content")), "tool_calls": calls}
    counted = [m["usage_metadata"] for m in added if isinstance(m.get("usage_metadata"), dict)]
    if counted:
        reply["usage"] = {
            key: sum(int(u.get(key) or 0) for u in counted)
            for key in ("input_tokens", "output_tokens")
        }
    return reply


def text_of(content: Any) -> str:
    """A message's content as text: a string, or the text of its content blocks."""
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "".join(
        p if isinstance(p, str) else str(p.get("text", ""))
        for p in parts
        if isinstance(p, str) or (isinstance(p, dict) and p.get("type") == "text")
    )
