"""Broken copies of the example project and the exact message loading each one must give.

Shared by the loader tests (`load_workspace`) and the CLI tests (`agentcd build`). Each case
edits a fresh copy of `examples/support-desk` at `root`; `{root}` in a message is that folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agentcd.core.definition.parse import MAX_DEPTH
from agentcd.core.definition.tree import MAX_FILE_BYTES

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-desk"
TRIAGE = "agents/support-triage/agent.yaml"
FAQ = "agents/faq-bot/agent.yaml"
PLAIN = "definitions are plain data (mappings, lists, strings, numbers, booleans, null)"

Edit = Callable[[Path], None]


@dataclass(frozen=True)
class Refusal:
    id: str
    edit: Edit
    message: str


def copy_example(folder: Path) -> Path:
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".agentcd"))
    return folder


def replace(path: str, old: str, new: str) -> Edit:
    def edit(root: Path) -> None:
        text = (root / path).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        (root / path).write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def write(path: str, data: bytes | str) -> Edit:
    def edit(root: Path) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)

    return edit


def symlink(path: str, target: str) -> Edit:
    def edit(root: Path) -> None:
        link = root / path
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        elif link.exists() or link.is_symlink():
            link.unlink()
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target.format(root=root), link)

    return edit


def remove(path: str) -> Edit:
    return lambda root: (root / path).unlink()


def outside(name: str, data: str = "secret\n") -> Edit:
    """A file beside the project folder, outside it."""

    def edit(root: Path) -> None:
        (root.parent / name).write_text(data, encoding="utf-8")

    return edit


def both(*edits: Edit) -> Edit:
    def edit(root: Path) -> None:
        for e in edits:
            e(root)

    return edit


REPEAT = "(write the values out instead of repeating them through aliases)"


def _string_bomb() -> str:
    """760 KB: one 700 KB string named 15,000 times, 10 GB once written out."""
    return 'a: &a "' + "A" * 700_000 + '"\nb: [' + ", ".join(["*a"] * 15_000) + "]\n"


def _bomb() -> str:
    doc = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        doc += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    return doc


def _tag(tag: str) -> Refusal:
    return Refusal(
        f"tag {tag}",
        replace(TRIAGE, "description: Put the ticket in a queue.", f"description: {tag}"),
        f"{TRIAGE}: line 28, column 18: YAML tag {tag.split()[0]!r} is not allowed: {PLAIN}",
    )


INSTR = f"{TRIAGE}: instructions.file: "
REFUSALS = [
    # references that leave the project folder
    Refusal(
        "dotdot",
        replace(TRIAGE, "{file: instructions.md}", "{file: ../../../outside.md}"),
        INSTR + "'../../../outside.md' leaves the project folder (the folder holding agentcd.yaml)",
    ),
    Refusal(
        "absolute path",
        replace(TRIAGE, "{file: instructions.md}", "{file: /etc/hostname}"),
        INSTR
        + "'/etc/hostname' is an absolute path; use a path relative to the definition's folder",
    ),
    Refusal(
        "symlink outside",
        both(
            outside("outside.md"),
            symlink("agents/support-triage/instructions.md", "../../../outside.md"),
        ),
        INSTR + "'instructions.md' leads outside the project folder through the symlink "
        "agents/support-triage/instructions.md -> ../../../outside.md",
    ),
    Refusal(
        "absolute symlink",
        symlink("agents/support-triage/instructions.md", "/etc/hostname"),
        INSTR
        + "'instructions.md' goes through the symlink agents/support-triage/instructions.md -> "
        "/etc/hostname, an absolute path; make the link relative and inside the project folder",
    ),
    Refusal(
        "absolute symlink into the project",
        both(
            write("agents/support-triage/real.md", "hi\n"),
            symlink(
                "agents/support-triage/instructions.md", "{root}/agents/support-triage/real.md"
            ),
        ),
        INSTR
        + "'instructions.md' goes through the symlink agents/support-triage/instructions.md -> "
        "{root}/agents/support-triage/real.md, an absolute path; "
        "make the link relative and inside the project folder",
    ),
    Refusal(
        "symlink chain",
        both(
            outside("outside.md"),
            symlink("agents/support-triage/instructions.md", "a.md"),
            symlink("agents/support-triage/a.md", "../refund-bot/b.md"),
            symlink("agents/refund-bot/b.md", "../../../outside.md"),
        ),
        INSTR + "'instructions.md' leads outside the project folder through the symlink "
        "agents/refund-bot/b.md -> ../../../outside.md",
    ),
    Refusal(
        "symlink loop",
        both(
            symlink("agents/support-triage/instructions.md", "a.md"),
            symlink("agents/support-triage/a.md", "instructions.md"),
        ),
        INSTR + "'instructions.md': too many levels of symbolic links (a loop?)",
    ),
    Refusal(
        "symlinked folder escaping",
        both(
            write("../outside-skill/SKILL.md", "---\nname: escalation\n---\nx\n"),
            symlink("agents/support-triage/skills/escalation", "../../../../outside-skill"),
        ),
        f"{TRIAGE}: skills[1].path: 'skills/escalation' leads outside the project folder through "
        "the symlink agents/support-triage/skills/escalation -> ../../../../outside-skill",
    ),
    Refusal(
        "symlink inside a skill folder",
        both(
            outside("outside.md"),
            symlink("agents/support-triage/skills/escalation/x.md", "../../../../../outside.md"),
        ),
        f"{TRIAGE}: skills[1]: 'agents/support-triage/skills/escalation/x.md' leads outside the "
        "project folder through the symlink agents/support-triage/skills/escalation/x.md -> "
        "../../../../../outside.md",
    ),
    Refusal(
        "spec through a symlinked folder",
        both(
            write("../tools/orders.yaml", "x: 1\n"),
            symlink("agents/support-triage/tools", "../../../tools"),
        ),
        f"{TRIAGE}: tools[0].spec.file: 'tools/orders.yaml' leads outside the project folder "
        "through the symlink agents/support-triage/tools -> ../../../tools",
    ),
    Refusal(
        "glob leaving the project",
        replace("agentcd.yaml", 'agents: ["agents/*/agent.yaml"]', 'agents: ["../*/agent.yaml"]'),
        "agentcd.yaml: agents[0]: '../*/agent.yaml' leaves the project folder; "
        "write globs relative to it",
    ),
    # what a commit would not carry
    Refusal(
        "symlink into .git",
        both(
            write(".git/config", "[http]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3M=\n"),
            symlink("agents/support-triage/instructions.md", "../../.git/config"),
        ),
        INSTR + "'instructions.md' leads to '.git/config' through the symlink "
        "agents/support-triage/instructions.md -> ../../.git/config: inside .git, git's own "
        "files, where the checkout's credentials can be; a definition may not read it "
        "(reference a file of the project instead)",
    ),
    Refusal(
        "reference into .agentcd",
        both(
            write(".agentcd/deployed/prod/notes.md", "x"),
            replace(
                TRIAGE, "{file: instructions.md}", "{file: ../../.agentcd/deployed/prod/notes.md}"
            ),
        ),
        INSTR
        + "'../../.agentcd/deployed/prod/notes.md' leads to '.agentcd/deployed/prod/notes.md': "
        "inside .agentcd, agentcd's own state (ledger, caches, deployed configurations); a "
        "definition may not read it (reference a file of the project instead)",
    ),
    # sizes and shapes
    Refusal(
        "file over the size cap",
        write("agents/support-triage/instructions.md", "x" * (MAX_FILE_BYTES + 1)),
        INSTR + f"'agents/support-triage/instructions.md' is {MAX_FILE_BYTES + 1} bytes, "
        f"over the limit of {MAX_FILE_BYTES} bytes per file",
    ),
    Refusal(
        "alias bomb",
        write(FAQ, _bomb()),
        f"{FAQ}: line 6, column 12: aliases expand to more than 200000 values {REPEAT}",
    ),
    Refusal(
        "string alias bomb",
        write(FAQ, _string_bomb()),
        f"{FAQ}: line 2, column 49: aliases expand to more than 8388608 bytes of text {REPEAT}",
    ),
    Refusal(
        "deep nesting",
        replace(TRIAGE, "labels: {tier: customer-facing}", "labels: " + "[" * 100 + "]" * 100),
        f"{TRIAGE}: line 8, column {11 + MAX_DEPTH - 2}: nested deeper than {MAX_DEPTH} levels",
    ),
    Refusal(
        "empty agent.yaml",
        write(FAQ, ""),
        f"{FAQ}: must be a mapping of fields, found an empty document",
    ),
    # YAML that is not plain data
    _tag("!!python/object/apply:os.system ['echo hi']"),
    _tag("!Ref orders_api"),
    _tag("!!binary aGVsbG8="),
    _tag("!!set {a, b}"),
    _tag("!!timestamp 2026-10-01"),
    Refusal(
        "duplicate key",
        replace(FAQ, "kind: Agent\n", "kind: Agent\nkind: Agent\n"),
        f"{FAQ}: line 4, column 1: duplicate key 'kind' (a key may appear once per mapping)",
    ),
    Refusal(
        "duplicate nested key",
        replace(TRIAGE, "  provider: openai\n", "  provider: openai\n  provider: anthropic\n"),
        f"{TRIAGE}: line 15, column 3: duplicate key 'provider' (a key may appear once per "
        "mapping)",
    ),
    Refusal(
        "not a finite number",
        replace(TRIAGE, "temperature: 0.2", "temperature: .nan"),
        f"{TRIAGE}: line 16, column 29: '.nan' is not a finite number",
    ),
    # text that is not UTF-8
    Refusal(
        "non-UTF-8 agent.yaml",
        write(FAQ, (EXAMPLE / FAQ).read_bytes().replace(b"Answers", b"Answ\xe9rs")),
        f"{FAQ}: not UTF-8 text (line 6, byte 154); save the file as UTF-8",
    ),
    Refusal(
        "non-UTF-8 instructions",
        write("agents/support-triage/instructions.md", b"# Triage\n\ncaf\xe9\n"),
        "agents/support-triage/instructions.md: not UTF-8 text (line 3, byte 13); "
        "save the file as UTF-8",
    ),
    Refusal(
        "non-UTF-8 skill file",
        write(
            "agents/support-triage/skills/escalation/SKILL.md",
            b"---\nname: escalation\n---\ncaf\xe9\n",
        ),
        "agents/support-triage/skills/escalation/SKILL.md: not UTF-8 text (line 4, byte 28); "
        "save the file as UTF-8",
    ),
    # the project file
    Refusal(
        "agentcd.yaml missing",
        remove("agentcd.yaml"),
        "agentcd.yaml: not found in the working tree (run in the project's folder or pass -C)",
    ),
    Refusal(
        "glob matching nothing",
        replace(
            "agentcd.yaml",
            'agents: ["agents/*/agent.yaml"]',
            'agents: ["agents/*/agent.yaml", "bots/*.yaml"]',
        ),
        "agentcd.yaml: agents[1]: 'bots/*.yaml' matches no file in the working tree (globs are "
        "relative to the project folder; '*' stays within one folder, '**' crosses folders)",
    ),
    Refusal(
        "unknown target",
        replace(
            "agentcd.yaml", "  - name: dev\n    target: local", "  - name: dev\n    target: lokal"
        ),
        "agentcd.yaml: environments[0].target: unknown target 'lokal' (known: local)",
    ),
    Refusal(
        "unknown ledger backend",
        replace("agentcd.yaml", "backend: sqlite", "backend: postgres"),
        "agentcd.yaml: ledger.backend: unknown value 'postgres' (expected one of 'sqlite', 'git')",
    ),
    Refusal(
        "wrong enum in agentcd.yaml",
        replace("agentcd.yaml", "gate: {eval: optional", "gate: {eval: maybe"),
        "agentcd.yaml: environments[0].gate.eval: input should be 'required', 'optional' or "
        "'off', found the string 'maybe'",
    ),
    # the schema of agent.yaml
    Refusal(
        "two agents with the same name",
        replace(FAQ, "name: faq-bot", "name: refund-bot"),
        "agents/refund-bot/agent.yaml: metadata.name: 'refund-bot' is also the name of "
        "agents/faq-bot/agent.yaml; agent names must be unique in the project",
    ),
    Refusal(
        "unknown key",
        replace(
            TRIAGE,
            "    approval: never\n",
            "    approval: never\n  - {name: x, type: function, nmae: y}\n",
        ),
        f"{TRIAGE}: tools[2].nmae: unknown field (did you mean 'name'?)",
    ),
    Refusal(
        "unknown key, nothing close",
        replace(TRIAGE, "  provider: openai\n", "  provider: openai\n  colour: blue\n"),
        f"{TRIAGE}: model.colour: unknown field (known fields: provider, id, parameters, "
        "overrides)",
    ),
    Refusal(
        "missing required field",
        replace(TRIAGE, "  provider: openai\n", ""),
        f"{TRIAGE}: model.provider: field required",
    ),
    Refusal(
        "several problems",
        replace(TRIAGE, "  provider: openai\n  id: gpt-4.1-2025-04-14\n", ""),
        f"{TRIAGE}: model.provider: field required\n{TRIAGE}: model.id: field required",
    ),
    Refusal(
        "wrong enum value",
        replace(TRIAGE, "type: openapi", "type: openapl"),
        f"{TRIAGE}: tools[0].type: input should be 'function', 'openapi', 'mcp', 'builtin' or "
        "'agent', found the string 'openapl'",
    ),
    Refusal(
        "bad agent name",
        replace(TRIAGE, "name: support-triage", "name: Support_Triage"),
        f"{TRIAGE}: metadata.name: 'Support_Triage' is not valid: use lowercase letters, digits "
        "and dashes (1 to 63, no dash at either end)",
    ),
    Refusal(
        "number where text is expected",
        replace(TRIAGE, 'version: "2026-10-01"', "version: 1.10"),
        f"{TRIAGE}: knowledge[0].version: input should be a valid string, found the number 1.1 "
        "(quote the value in YAML to keep it text)",
    ),
    Refusal(
        "sub-agent ref to no agent",
        replace(TRIAGE, "ref: refund-bot", "ref: refund-robot"),
        f"{TRIAGE}: subagents[0].ref: no agent 'refund-robot' (known: faq-bot, refund-bot, "
        "support-triage)",
    ),
    # referenced files
    Refusal(
        "skill folder without SKILL.md",
        lambda root: (root / "agents/support-triage/skills/escalation/SKILL.md").rename(
            root / "agents/support-triage/skills/escalation/README.md"
        ),
        f"{TRIAGE}: skills[1].path: 'skills/escalation' has no SKILL.md (a skill folder starts "
        "with one)",
    ),
    Refusal(
        "skill that is a file",
        replace(TRIAGE, "path: skills/escalation", "path: instructions.md"),
        f"{TRIAGE}: skills[1].path: 'instructions.md' is not a folder (a skill is a folder)",
    ),
    Refusal(
        "missing instructions file",
        remove("agents/support-triage/instructions.md"),
        INSTR + "'agents/support-triage/instructions.md' does not exist in the working tree",
    ),
    Refusal(
        "missing tool spec",
        remove("agents/support-triage/tools/orders.yaml"),
        f"{TRIAGE}: tools[0].spec.file: 'agents/support-triage/tools/orders.yaml' does not exist "
        "in the working tree",
    ),
    Refusal(
        "missing eval suite",
        remove("agents/support-triage/evals/triage.yaml"),
        f"{TRIAGE}: evals[0]: 'agents/support-triage/evals/triage.yaml' does not exist in the "
        "working tree",
    ),
    Refusal(
        "unknown key in an eval suite",
        replace("agents/support-triage/evals/triage.yaml", "tags: [delivery]", "tagz: [delivery]"),
        "agents/support-triage/evals/triage.yaml: cases[0].tagz: unknown field (did you mean "
        "'tags'?)",
    ),
    Refusal(
        "unknown assertion field",
        replace(
            "agents/support-triage/evals/triage.yaml",
            '{type: contains, value: "123456"}',
            '{type: contains, valeu: "123456"}',
        ),
        "agents/support-triage/evals/triage.yaml: cases[0].expect[2].value: field required\n"
        "agents/support-triage/evals/triage.yaml: cases[0].expect[2].valeu: unknown field "
        "(did you mean 'value'?)",
    ),
]
