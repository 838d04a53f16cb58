"""Generate the benchmark repository: many agents, two commits, some agents changed between them.

The content is deterministic (seeded text, fixed git dates), so the same size always yields the
same commit ids. Every change between the two commits changes the changed agent's artifact.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_VOCABULARY = (
    "order refund customer ticket policy queue escalate invoice delivery shipping carrier "
    "warehouse address payment card billing account password reset return label damaged "
    "missing late early priority urgent normal low agent human review confirm check verify "
    "answer explain apologize summarize route close reopen note status tracking number days "
    "weeks business hours weekend holiday region country currency amount limit threshold"
)
_WORDS = tuple(_VOCABULARY.split())

_GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


@dataclass(frozen=True)
class Size:
    """How big the generated repository is."""

    agents: int = 500
    changed: int = 50
    instructions_bytes: int = 20_000
    tools: int = 10
    skills: int = 3


FULL = Size()
QUICK = Size(agents=50, changed=5, instructions_bytes=20_000)
TINY = Size(agents=8, changed=5, instructions_bytes=600, tools=4, skills=2)


@dataclass(frozen=True)
class BenchRepo:
    path: Path
    base: str
    head: str
    changed: tuple[str, ...]


def generate(path: Path, size: Size) -> BenchRepo:
    """Create a git repository at `path` (must not exist) with commits `base` and `head`."""
    path.mkdir(parents=True)
    _git(path, "init", "-q", "-b", "main")
    _write(path / "agentcd.yaml", _project_yaml())
    for i in range(size.agents):
        _write_agent(path / "agents" / agent_name(i), i, size)
    base = _commit(path, "base", tag="bench-base")
    changed = changed_agents(size)
    for k, name in enumerate(changed):
        _CHANGES[k % len(_CHANGES)](path / "agents" / name, size)
    head = _commit(path, "changed: " + " ".join(changed), tag="bench-head")
    return BenchRepo(path=path, base=base, head=head, changed=changed)


def open_repo(path: Path) -> BenchRepo:
    """A repository `generate` made earlier (its commits are tagged bench-base, bench-head)."""
    base, head = (_git(path, "rev-parse", f"{tag}^{{commit}}").strip() for tag in _TAGS)
    message = _git(path, "log", "-1", "--format=%s", head).strip()
    return BenchRepo(path, base, head, tuple(message.removeprefix("changed: ").split()))


_TAGS = ("bench-base", "bench-head")


def agent_name(i: int) -> str:
    return f"agent-{i:04d}"


def changed_agents(size: Size) -> tuple[str, ...]:
    """Spread evenly over the agents: every (agents // changed)-th one."""
    step = max(1, size.agents // max(1, size.changed))
    return tuple(agent_name(i) for i in range(0, size.agents, step)[: size.changed])


def _git(cwd: Path, *args: str) -> str:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), **_GIT_ENV}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, check=True)
    return done.stdout.decode()


def _commit(path: Path, message: str, *, tag: str) -> str:
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", message)
    _git(path, "tag", tag)
    return _git(path, "rev-parse", "HEAD").strip()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _project_yaml() -> str:
    return (
        "apiVersion: agentcd.dev/v1\nkind: Project\n"
        'agents: ["agents/*/agent.yaml"]\n'
        "environments:\n"
        "  - {name: dev, target: local, bindings: {orders_api: http://127.0.0.1:8081}}\n"
        "  - {name: test, target: local, gate: {eval: required, min_pass_rate: 0.9}}\n"
        "  - {name: prod, target: local, gate: {eval: required, approval: required}}\n"
        "targets:\n  local: {platform: file, path: .agentcd/deployed}\n"
        "ledger: {backend: sqlite, path: .agentcd/ledger.db}\n"
    )


def _prose(rng: random.Random, n_bytes: int) -> str:
    """Markdown paragraphs of about `n_bytes` bytes."""
    out: list[str] = []
    total = 0
    while total < n_bytes:
        words = rng.choices(_WORDS, k=rng.randint(40, 90))
        para = " ".join(words).capitalize() + ".\n\n"
        if rng.random() < 0.2:
            para = f"## {words[0].capitalize()} {words[1]}\n\n" + para
        out.append(para)
        total += len(para)
    return "".join(out)


def _write_agent(folder: Path, i: int, size: Size) -> None:
    rng = random.Random(i)
    _write(folder / "instructions.md", "# Instructions\n\n" + _prose(rng, size.instructions_bytes))
    tools = [_tool(folder, rng, k) for k in range(size.tools)]
    for s in range(size.skills):
        skill = folder / "skills" / f"skill-{s}"
        _write(skill / "SKILL.md", _skill_md(rng, f"skill-{s}"))
        _write(skill / "reference.md", _prose(rng, 800))
    _write(folder / "evals" / "suite.yaml", _suite_yaml(rng))
    _write(folder / "agent.yaml", _agent_yaml(agent_name(i), size, tools, rng))


def _tool(folder: Path, rng: random.Random, k: int) -> str:
    """One tool entry (YAML flow-free block text); every third tool has an OpenAPI spec file."""
    if k % 3 == 0:
        _write(folder / "tools" / f"tool-{k}.yaml", _openapi(rng, k))
        return (
            f"  - name: tool_{k}\n    type: openapi\n    description: {_line(rng)}\n"
            f"    spec: {{file: tools/tool-{k}.yaml}}\n    binding: api_{k}\n"
            "    side_effects: false\n"
        )
    props = "".join(
        f"        field_{p}: {{type: string, description: {_line(rng)}}}\n" for p in range(4)
    )
    return (
        f"  - name: tool_{k}\n    type: function\n    description: {_line(rng)}\n"
        "    input_schema:\n      type: object\n      properties:\n"
        f"{props}      required: [field_0]\n"
        f"    side_effects: {'true' if k % 4 == 1 else 'false'}\n"
        f"    approval: {'always' if k % 4 == 1 else 'never'}\n"
    )


def _line(rng: random.Random) -> str:
    return " ".join(rng.choices(_WORDS, k=8))


def _openapi(rng: random.Random, k: int) -> str:
    paths = "".join(
        f"  /items/{p}:\n    get:\n      operationId: get_{k}_{p}\n"
        f"      summary: {_line(rng)}\n      responses:\n"
        "        '200': {description: ok}\n"
        for p in range(8)
    )
    return f"openapi: 3.1.0\ninfo: {{title: tool {k}, version: 1.0.0}}\npaths:\n{paths}"


def _skill_md(rng: random.Random, name: str) -> str:
    return f"---\nname: {name}\ndescription: {_line(rng)}\n---\n\n" + _prose(rng, 1500)


def _suite_yaml(rng: random.Random) -> str:
    cases = "".join(
        f"  - id: case-{c}\n    input: {json.dumps(_line(rng))}\n"
        f"    expect:\n      - {{type: icontains, value: {rng.choice(_WORDS)}}}\n"
        for c in range(5)
    )
    head = "apiVersion: agentcd.dev/v1\nkind: EvalSuite\nmetadata: {name: suite}\n"
    return f"{head}cases:\n{cases}"


def _agent_yaml(name: str, size: Size, tools: list[str], rng: random.Random) -> str:
    skills = "".join(f"  - {{path: skills/skill-{s}}}\n" for s in range(size.skills))
    return (
        f"apiVersion: agentcd.dev/v1\nkind: Agent\nmetadata:\n  name: {name}\n"
        f"  description: {_line(rng)}\n  owners: [team-{rng.randint(1, 9)}]\n"
        "instructions: {file: instructions.md}\n"
        f"skills:\n{skills}"
        "model:\n  provider: openai\n  id: gpt-4.1-2025-04-14\n"
        "  parameters: {temperature: 0.2, max_output_tokens: 800}\n"
        'runtime: {framework: openai-agents, version: "==0.4.2"}\n'
        f"tools:\n{''.join(tools)}"
        "knowledge:\n"
        '  - {name: policies, type: vector_store, binding: policies_kb, version: "2026-10-01"}\n'
        "guardrails:\n  - {name: no_pii, type: policy, description: never repeat card numbers}\n"
        "evals: [evals/suite.yaml]\n"
    )


# ---------------------------------------------------------------- changes between the commits


def _edit_instructions(folder: Path, size: Size) -> None:
    path = folder / "instructions.md"
    text = path.read_text(encoding="utf-8")
    cut = len(text) // 2
    path.write_text(text[:cut] + "\nAlways confirm the order number first.\n" + text[cut:])


def _change_temperature(folder: Path, size: Size) -> None:
    _replace(folder / "agent.yaml", "temperature: 0.2", "temperature: 0.7")


def _add_tool(folder: Path, size: Size) -> None:
    _replace(
        folder / "agent.yaml",
        "knowledge:\n",
        "  - {name: cancel_order, type: function, side_effects: true, approval: always}\n"
        "knowledge:\n",
    )


def _edit_skill(folder: Path, size: Size) -> None:
    path = folder / "skills" / "skill-0" / "SKILL.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nNever promise a date.\n")


def _edit_spec(folder: Path, size: Size) -> None:
    _replace(folder / "tools" / "tool-0.yaml", "version: 1.0.0", "version: 1.1.0")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise ValueError(f"{path}: {old!r} not found")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


_CHANGES: tuple[Callable[[Path, Size], None], ...] = (
    _edit_instructions,
    _change_temperature,
    _add_tool,
    _edit_skill,
    _edit_spec,
)
