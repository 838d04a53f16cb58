"""The real LangGraph server the langgraph tests run against: `langgraph dev` (langgraph-cli,
in-memory runtime) started once a session from a folder this module writes, with two graphs
and an API-key check, and stopped when pytest ends.

- `greeter` answers with the instructions of the definition it runs (`config.configurable`),
  like the conformance suite's ECHO; a few words make it wait, fail or answer from
  `runtime.context` instead. Each run is logged (which assistant ran), so a test counts runs.
- `support-desk` runs the support-desk example's demo agent on the definition it runs.
- `auth.py` refuses every request without the session's key in `x-api-key` (401): the dev
  server has no auth of its own, so this is how a test sees an auth failure.

Nothing leaves the machine: the server gets a bare environment (no LangSmith or license key),
with analytics, the version check and tracing off and every proxy variable on a dead loopback
port, so a request to anywhere but loopback fails at once.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE

KEY_ENV = "LANGGRAPH_TEST_API_KEY"  # the variable the tests' targets name in api_key_env
GREETER, DESK = "greeter", "support-desk"
SYSTEM = "system"  # `created_by` of the assistant the server makes for each graph
START_S = 60.0  # deadline for the server to answer

GREETER_GRAPH = '''"""The conformance echo as a graph: it answers with what it runs."""

import asyncio
import json
from pathlib import Path

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.runtime import Runtime

LOG = Path(__file__).with_name("runs.jsonl")


def _log(entry):
    with LOG.open("a") as out:
        out.write(json.dumps(entry) + "\\n")


async def answer(state: MessagesState, config: RunnableConfig, runtime: Runtime[dict]):
    configurable = config.get("configurable") or {}
    ran = {"graph": "greeter", "assistant_id": configurable.get("assistant_id")}
    await asyncio.to_thread(_log, ran)
    said = state["messages"][-1].content
    if said == "wait":
        await asyncio.sleep(60)
    if said == "fail":
        raise ValueError("the graph failed on purpose")
    source = (runtime.context or {}) if said == "context" else configurable
    text = source.get("agent", {}).get("instructions", "")
    calls = [{"name": "greet", "args": {"tone": "warm"}, "id": "call-1"}] if said == "tool" else []
    usage = {"input_tokens": 3, "output_tokens": 5, "total_tokens": 8}
    return {"messages": [AIMessage(content=text, tool_calls=calls, usage_metadata=usage)]}


builder = StateGraph(MessagesState, context_schema=dict)
builder.add_node("answer", answer)
builder.add_edge(START, "answer")
graph = builder.compile()
'''

DESK_GRAPH = '''"""The support-desk example's demo agent as a graph, on the definition it runs."""

import importlib.util
import json
from pathlib import Path

from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, MessagesState, StateGraph

LOG = Path(__file__).with_name("runs.jsonl")
_spec = importlib.util.spec_from_file_location("support_desk_demo_graph", {agent_py!r})
demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demo)


def answer(state: MessagesState, config: RunnableConfig):
    configurable = config.get("configurable") or {{}}
    ran = {{"graph": "support-desk", "assistant_id": configurable.get("assistant_id")}}
    with LOG.open("a") as out:
        out.write(json.dumps(ran) + "\\n")
    messages = [{{"role": "user", "content": state["messages"][-1].content}}]
    reply = demo.respond_deployed(configurable, {{"messages": messages}})
    calls = [
        {{"name": c["name"], "args": c["arguments"], "id": f"call-{{i}}"}}
        for i, c in enumerate(reply.get("tool_calls", []))
    ]
    return {{"messages": [{{"role": "ai", "content": reply["output"], "tool_calls": calls}}]}}


builder = StateGraph(MessagesState)
builder.add_node("answer", answer)
builder.add_edge(START, "answer")
graph = builder.compile()
'''

AUTH = '''"""Every request needs the session's key in x-api-key."""

from langgraph_sdk import Auth

auth = Auth()
KEY = {key!r}


@auth.authenticate
async def authenticate(headers: dict) -> str:
    key = headers.get(b"x-api-key") or headers.get("x-api-key")
    if isinstance(key, bytes):
        key = key.decode()
    if key != KEY:
        raise Auth.exceptions.HTTPException(status_code=401, detail="invalid API key")
    return "agentcd-tests"
'''

# What the server must not do: phone home, check versions, trace, or reach anything off loopback.
QUIET = {
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "OTEL_ENABLED": "false",
    "LANGGRAPH_METRICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    **{name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
    **{name: "http://127.0.0.1:9" for name in ("http_proxy", "https_proxy", "all_proxy")},
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


@dataclass
class Server:
    folder: Path
    port: int
    key: str
    process: subprocess.Popen[bytes]
    started_s: float = 0.0
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.folder / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        """The server's resident memory (the one process uvicorn runs in)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def runs(self) -> list[dict[str, Any]]:
        """The runs of both graphs so far, oldest first: which graph and assistant each ran."""
        log = self.folder / "runs.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def client(self, key: str | None = None) -> Any:
        from langgraph_sdk import get_sync_client

        return get_sync_client(url=self.url, api_key=key or self.key, timeout=30)

    def reset(self) -> None:
        """No assistant but the server's own: each test starts on an empty deployment."""
        client = self.client()
        for assistant in client.assistants.search(limit=1000):
            if (assistant.get("metadata") or {}).get("created_by") != SYSTEM:
                client.assistants.delete(assistant["assistant_id"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def write_folder(folder: Path, key: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "greeter.py").write_text(GREETER_GRAPH)
    agent_py = str(EXAMPLE / "app" / "agent.py")
    (folder / "desk.py").write_text(DESK_GRAPH.format(agent_py=agent_py))
    (folder / "auth.py").write_text(AUTH.format(key=key))
    config = {
        "dependencies": ["."],
        "graphs": {GREETER: "./greeter.py:graph", DESK: "./desk.py:graph"},
        "auth": {"path": "./auth.py:auth"},
    }
    (folder / "langgraph.json").write_text(json.dumps(config, indent=2))


def start(folder: Path) -> Server:
    """`langgraph dev` on a free loopback port, ready; it must listen on the port it was
    given (the CLI takes another one, silently, when that one is taken: then try again)."""
    key = "lg-" + secrets.token_hex(16)
    write_folder(folder, key)
    for _ in range(3):
        server = _launch(folder, _free_port(), key)
        if _ready(server):
            return server
        server.stop()
    raise RuntimeError(f"langgraph dev did not listen where asked; see {folder / 'server.log'}")


def _launch(folder: Path, port: int, key: str) -> Server:
    environment = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.defpath]),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        **QUIET,
    }
    command = [sys.executable, "-m", "langgraph_cli", "dev", "--port", str(port)]
    command += ["--host", "127.0.0.1", "--no-browser", "--no-reload"]
    command += ["--n-jobs-per-worker", "4", "--server-log-level", "WARNING"]
    log = (folder / "server.log").open("ab")
    process = subprocess.Popen(
        command, cwd=folder, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    return Server(folder=folder, port=port, key=key, process=process)


def _ready(server: Server) -> bool:
    began = time.monotonic()
    while time.monotonic() - began < START_S:
        if server.process.poll() is not None:
            return False
        try:
            with _DIRECT.open(f"{server.url}/ok", timeout=2) as answer:
                if answer.status == 200:
                    server.started_s = time.monotonic() - began
                    return listens(server.process.pid, server.port)
        except OSError:
            time.sleep(0.1)
    return False


def listens(pid: int, port: int) -> bool:
    """Whether process `pid` holds the socket listening on 127.0.0.1:`port` (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    wanted = f"0100007F:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted and fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
            return True
    return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy
_SESSION_KEY = pytest.StashKey[Server]()


def session_server(request: pytest.FixtureRequest) -> Server:
    """The session's server, started on first use and stopped when pytest ends."""
    config = request.config
    if _SESSION_KEY not in config.stash:
        base = request.getfixturevalue("tmp_path_factory").getbasetemp()
        server = start(base / "langgraph-server")
        config.add_cleanup(server.stop)
        config.stash[_SESSION_KEY] = server
    return config.stash[_SESSION_KEY]
