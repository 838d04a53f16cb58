"""Runs on the real `langgraph dev` server: the deployed assistant, the inline definition (no
assistant made), the reply read from the final state, and the deadline of every wait."""

from __future__ import annotations

import time
from typing import Any

import pytest

from agentcd.adapters.platforms.langgraph_render import assistant_id
from agentcd.errors import PlatformError
from tests.adapters.platforms.langgraph.conftest import (
    INSTRUCTIONS,
    counted_platform,
    make_langgraph_release,
)
from tests.adapters.platforms.langgraph.server import Server

CHANGED = INSTRUCTIONS + "Sign with the team's name.\n"


def ask(said: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": said}], "fixtures": {}, "case": "c"}


def assistants(server: Server) -> list[str]:
    return sorted(a["assistant_id"] for a in server.client().assistants.search(limit=1000))


def busy_threads(server: Server) -> list[str]:
    """The threads with a run going on, once the server has settled (a second at most)."""
    for _ in range(20):
        busy = [t["thread_id"] for t in server.client().threads.search(status="busy")]
        if not busy:
            break
        time.sleep(0.05)
    return busy


def test_invoke_runs_the_assistants_latest_version_and_reads_the_reply(server: Server) -> None:
    calls: list[str] = []
    platform = counted_platform(server, calls)
    platform.apply(platform.render(make_langgraph_release()))
    calls.clear()
    reply = platform.invoke("triage", "dev", ask("tool"))
    assert reply == {
        "output": INSTRUCTIONS,
        "tool_calls": [{"name": "greet", "arguments": {"tone": "warm"}}],
        "usage": {"input_tokens": 3, "output_tokens": 5},
    }
    assert calls == ["runs.wait"]
    assert server.runs()[-1] == {"graph": "greeter", "assistant_id": assistant_id("triage", "dev")}


def test_invoke_after_a_rollback_runs_the_rolled_back_definition(server: Server) -> None:
    platform = counted_platform(server, [])
    first = platform.render(make_langgraph_release())
    platform.apply(first)
    platform.apply(platform.render(make_langgraph_release(instructions=CHANGED)))
    assert platform.invoke("triage", "dev", ask("hello"))["output"] == CHANGED
    platform.point(first, "1")
    assert platform.invoke("triage", "dev", ask("hello"))["output"] == INSTRUCTIONS


def test_an_inline_run_makes_no_assistant_and_moves_nothing(server: Server) -> None:
    calls: list[str] = []
    platform = counted_platform(server, calls)
    platform.apply(platform.render(make_langgraph_release()))
    before = (assistants(server), platform.read_live("triage", "dev"))
    calls.clear()
    candidate = platform.render(make_langgraph_release(instructions=CHANGED))
    assert platform.invoke_candidate(candidate, ask("hello"))["output"] == CHANGED
    assert calls == ["runs.wait"]
    assert (assistants(server), platform.read_live("triage", "dev")) == before
    (own,) = server.client().assistants.search(
        graph_id="greeter", metadata={"created_by": "system"}
    )
    assert server.runs()[-1] == {"graph": "greeter", "assistant_id": own["assistant_id"]}


def test_a_run_past_its_deadline_is_cancelled_on_the_server(server: Server) -> None:
    platform = counted_platform(server, [], timeout_s=1)
    platform.apply(platform.render(make_langgraph_release()))
    started = time.monotonic()
    with pytest.raises(PlatformError) as late:
        platform.invoke("triage", "dev", ask("wait"))  # the graph sleeps a minute
    assert str(late.value) == "invoking triage in dev: the run did not finish within 1s (cancelled)"
    assert time.monotonic() - started < 5
    assert busy_threads(server) == []  # without the cancel, it would sleep on
    assert platform.invoke("triage", "dev", ask("hello"))["output"] == INSTRUCTIONS


def test_a_failed_run_says_why(server: Server) -> None:
    platform = counted_platform(server, [])
    candidate = platform.render(make_langgraph_release())
    with pytest.raises(PlatformError) as failed:
        platform.invoke_candidate(candidate, ask("fail"))
    assert str(failed.value) == (
        "running triage inline (dev): the run failed: ValueError: the graph failed on purpose"
    )


def test_invoking_an_agent_not_deployed_is_an_error_by_name(server: Server) -> None:
    platform = counted_platform(server, [])
    with pytest.raises(PlatformError, match=r"^invoking triage in prod: .*not found"):
        platform.invoke("triage", "prod", ask("hello"))


@pytest.mark.parametrize(
    ("messages", "says"),
    [
        ([], "must end with a user message"),
        ([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "end with"),
        ([{"role": "tool", "content": "a"}, {"role": "user", "content": "b"}], "user, assistant"),
    ],
)
def test_a_request_the_graph_cannot_take_is_refused_before_any_run(
    server: Server, messages: list[dict[str, str]], says: str
) -> None:
    calls: list[str] = []
    platform = counted_platform(server, calls)
    with pytest.raises(PlatformError, match=says):
        platform.invoke("triage", "dev", {"messages": messages})
    assert calls == []
