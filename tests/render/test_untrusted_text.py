"""Every renderer that takes untrusted text keeps it inert where it lands, whatever it holds.

Each string in a renderer's input (names, keys, values, reasons, diffs, errors, labels) is
replaced by hostile text around the original, and the output is checked against its sink's
rule in `tests.render.sinks`: Markdown against the same document made from harmless text,
terminal and CI-log text on its own.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from agentcd.core.definition.bundle import make_bundle
from agentcd.core.deploy.brief import AgentBrief, Brief, BriefBinding, Replacement, Stage
from agentcd.core.deploy.drift import AgentDrift, Difference, DriftKind, DriftState
from agentcd.core.deploy.ledger import EvalRecord
from agentcd.core.evals.verdict import Verdict
from agentcd.core.policy.rules import Finding, Rule, Severity
from agentcd.core.review.marker import COMMENT_CAP
from agentcd.render.deploy import audit, brief, drift, history
from agentcd.render.diff import markdown as diff_md
from agentcd.render.diff import text as diff_text
from agentcd.render.evals import markdown as eval_md
from agentcd.render.evals import text as eval_text
from agentcd.render.markdown import code_span, escape_html, escape_text, fence, table_row
from agentcd.render.review.markdown import SUMMARY_LIMIT, CommentOptions, render_markdown
from tests.conftest import git
from tests.core.ledger_records import dep
from tests.render.diff_scenarios import SCENARIOS as DIFFS
from tests.render.diff_scenarios import triage
from tests.render.eval_fixture import sample_report
from tests.render.plan_scenarios import Scenario, comment, edited, example_files
from tests.render.sinks import (
    html_tags,
    live_text,
    log_problems,
    markdown_problems,
    terminal_problems,
)
from tests.render.test_plan_md import SCENARIOS as PLANS
from tests.render.test_plan_md import TRIAGE

HOSTILE_PARTS = (
    "|",
    "\\|",
    "`",
    "```",
    "<",
    "</details>",
    "<details><summary>x</summary>",
    "<img src=x onerror=alert(1)>",
    "<!-- agentcd:plan -->",
    "@user",
    "@org/team",
    "&#64;user",
    "a@b.example",
    "https://evil.example/login",
    "www.evil.example",
    "[link](javascript:alert(1))",
    "![i](https://x.invalid/i.png)",
    "::warning::x",
    "::stop-commands::t",
    "\n::error::e",
    "\n  ::notice::n",
    "\r::add-mask::m",
    "\r",
    "\n",
    "\n\n# heading\n\n",
    "- item",
    "> [!WARNING]",
    "##[warning]w",
    "\x1b[2J",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x1b[0Ksection_start:1700000000:evil[collapsed=true]\r\x1b[0Kfake",
    "\x9b2J",
    "\x9d8;;x\x9c",
    "\x85",
    "\x00\x07\x08\x7f",
    "*em* _u_ ~~s~~ $x$",
    "\\",
    "\t",
)
hostile_text = (
    st.lists(st.sampled_from(HOSTILE_PARTS) | st.text(max_size=3), min_size=1, max_size=6)
    .map("".join)
    .filter(bool)
)


def quiet(hostile: str) -> str:
    """`hostile` with every visible character a `q`: the same lines, blank where it is blank,
    so text diffs fold and empty lines drop the same way; nothing in it is markup."""
    return "".join("q" if c.isprintable() and not c.isspace() else c for c in hostile)


def poison(value: Any, spoil: Callable[[str], str]) -> Any:
    """`value` with every string in it, at any depth, passed through `spoil`."""
    if isinstance(value, Enum) or not isinstance(value, str | tuple | list | Mapping | BaseModel):
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: poison(getattr(value, f.name), spoil) for f in _fields(value)}
            return dataclasses.replace(value, **changes)
        return value
    if isinstance(value, str):
        return spoil(value)
    if isinstance(value, BaseModel):
        names = type(value).model_fields
        return value.model_copy(update={n: poison(getattr(value, n), spoil) for n in names})
    if isinstance(value, Mapping):
        items = {poison(k, spoil): poison(v, spoil) for k, v in value.items()}
        return MappingProxyType(items) if isinstance(value, MappingProxyType) else items
    return type(value)(poison(v, spoil) for v in value)


def _fields(value: Any) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(value) if f.init]


def around(text: str) -> Callable[[str], str]:
    """`text` before and after the original; after only for a URL, which so stays one (the
    renderers link http(s) URLs, harmless or not)."""

    def spoil(original: str) -> str:
        if original.startswith(("https://", "http://")):
            return original + text
        return f"{text}{original}{text}"

    return spoil


@cache
def plan_views() -> dict[str, Any]:
    return {name: PLANS[name]().view() for name in ("hostile", "drift_in_prod", "failed_eval")}


def agent_drift() -> AgentDrift:
    return AgentDrift(
        agent="support-triage",
        environment="prod",
        state=DriftState.DRIFTED,
        kinds=(DriftKind.CONTENT,),
        reasons=("instructions differ",),
        differences=(Difference("agent.instructions", "approved", "live"),),
        more_differences=2,
        expected=dep(3, "a", run_url="https://ci.example/runs/1", note="by hand"),
        live_digest="sha256:" + "d" * 64,
        live_version="7",
    )


def approval_brief() -> Brief:
    diff = DIFFS["hostile"]().agents[0]
    candidate = make_bundle(name="support-triage", artifact=triage(), commit="c" * 40, path="p")
    verdict = EvalRecord(
        agent="support-triage",
        artifact_digest=candidate.digest,
        environment="test",
        verdict=Verdict.PASS,
        recorded_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    agent = AgentBrief(
        agent="support-triage",
        replacement=Replacement.CHANGED,
        candidate=candidate,
        candidate_pull_request=7,
        running=dep(3, "a", commit="b" * 40, pull_request=5),
        age=timedelta(hours=5),
        previous=Stage(environment="test", runs_candidate=True, seq=4, eval=verdict),
        live=agent_drift(),
        changes=diff.changes,
        base_known=True,
        bindings=(BriefBinding("crm_mcp", "https://a.example", {"url": "b"}),),
    )
    return Brief(environment="prod", approval_required=True, agents=(agent,))


def audit_records() -> list[Any]:
    gate = dep(1, "a").gate
    return [
        dep(1, "a", approvers=("kim",), note="first", ref="refs/heads/main", commit="e" * 40),
        dep(2, "b", run_url="https://ci.example/runs/2", platform_versions={"version": "3"}),
        dep(3, "c", gate=gate, pull_request=9),
    ]


SINCE = datetime(2026, 1, 1, tzinfo=UTC)
# name -> (input, renderer): the Markdown sinks.
MARKDOWN: dict[str, tuple[Callable[[], Any], Callable[[Any], str]]] = {
    **{
        f"plan comment {name}": (lambda name=name: plan_views()[name], comment)
        for name in ("hostile", "drift_in_prod", "failed_eval")
    },
    "plan job summary": (
        lambda: plan_views()["failed_eval"],
        lambda view: render_markdown(view, CommentOptions(limit=SUMMARY_LIMIT)),
    ),
    "eval markdown": (sample_report, eval_md.render_markdown),
    **{f"diff markdown {name}": (DIFFS[name], diff_md.render_markdown) for name in DIFFS},
    "approval brief": (approval_brief, brief.render_markdown),
    "audit": (audit_records, lambda records: audit.render_markdown("prod", records, SINCE)),
    "drift markdown": (lambda: [agent_drift()], drift.render_markdown),
}
TEXT: dict[str, tuple[Callable[[], Any], Callable[[Any], str]]] = {
    **{f"diff text {name}": (DIFFS[name], diff_text.render_text) for name in DIFFS},
    "eval text": (sample_report, eval_text.render_text),
    "drift text": (lambda: [agent_drift()], drift.render_text),
    "history text": (audit_records, lambda records: history.render_text("prod", records)),
}
EXAMPLES = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(MARKDOWN))
@EXAMPLES
@given(hostile=hostile_text)
def test_markdown_stays_inert(name: str, hostile: str) -> None:
    build, render = MARKDOWN[name]
    text = render(poison(build(), around(hostile)))
    harmless = render(poison(build(), around(quiet(hostile))))
    assert harmless != render(build())  # the strings were replaced: the check is not vacuous
    assert markdown_problems(text, harmless) == []


@pytest.mark.parametrize("name", sorted(TEXT))
@EXAMPLES
@given(hostile=hostile_text)
def test_terminal_and_log_text_stays_inert(name: str, hostile: str) -> None:
    build, render = TEXT[name]
    assert log_problems(render(poison(build(), around(hostile)))) == []


@EXAMPLES
@given(hostile=hostile_text)
def test_the_escaping_helpers_are_inert(hostile: str) -> None:
    def document(text: str) -> str:
        cells = (escape_text(text), code_span(text), "x")
        paragraph = f"{escape_text(text)} and {code_span(text)}"
        details = f"<details><summary>{escape_html(text)}</summary>\n\n{fence(text, 'diff')}"
        return f"{table_row(cells)}\n|---|---|---|\n\n{paragraph}\n\n{details}\n</details>\n"

    assert markdown_problems(document(hostile), document(quiet(hostile))) == []


def test_a_finding_in_a_validate_report_stays_inert() -> None:
    from agentcd.commands.validate import Report, render_text

    field = "tools\n::warning::x\r##[error]e\x1b]52;c;aGk=\x07"
    finding = Finding(Rule.FLOATING_MODEL, Severity.ERROR, "agents/a/agent.yaml", field, field)
    text = render_text(Report(None, None, "working tree", ("a",), (finding,)))
    assert log_problems(text) == []
    assert terminal_problems(text) == []


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from tests.conftest import EXAMPLE

    path = tmp_path_factory.mktemp("hostile") / "repo"
    shutil.copytree(EXAMPLE, path, ignore=shutil.ignore_patterns(".agentcd"))
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    return path


def yaml_key(text: str) -> str:
    """`text` as a YAML double-quoted scalar: every character escaped, so any can be in it."""
    return '"' + "".join(f"\\U{ord(c):08x}" for c in text) + '"'


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(hostile=hostile_text)
def test_a_hostile_key_in_a_definition_error_stays_inert_in_the_log(
    project: Path, hostile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from agentcd.cli import main

    config = project / "agentcd.yaml"
    original = config.read_text(encoding="utf-8")
    config.write_text(original + f"{yaml_key('x' + hostile)}: 1\n", encoding="utf-8")
    try:
        capsys.readouterr()
        code = main(["-C", str(project), "validate"])
        err = capsys.readouterr().err
    finally:
        config.write_text(original, encoding="utf-8")
    assert code == 1
    assert err.startswith("error: agentcd.yaml"), err
    assert log_problems(err) == []


# The reproduced cases, literally: each failed before the escaping rules were shared.

LABEL = "|<img src=x> </details> @someone |"


def assert_inert_in_a_cell(markdown: str) -> None:
    tags = html_tags(markdown)
    assert "img" not in tags and tags.count("details") == tags.count("/details")
    assert live_text(markdown) == []  # `@someone` is in a code span, or not a mention


@pytest.mark.parametrize("limit", [COMMENT_CAP, SUMMARY_LIMIT])
def test_a_label_key_with_pipes_stays_in_its_cell(limit: int) -> None:
    head = edited(example_files(), {TRIAGE: [("{tier: customer-facing}", f'{{"{LABEL}": x}}')]})
    text = comment(Scenario(head=head).view(), CommentOptions(limit=limit))
    assert_inert_in_a_cell(text)
    assert f"`\\{LABEL[:-1]}\\|`" in text  # the key reads as it is, in one code span


def test_a_case_id_with_pipes_stays_in_its_cell_in_the_eval_summary() -> None:
    report = poison(sample_report(), lambda s: s.replace("late-delivery", LABEL))
    assert_inert_in_a_cell(eval_md.render_markdown(report))


@pytest.mark.parametrize(
    "key",
    [
        "x\n::warning::pwned",
        "x\n   ::stop-commands::t",
        "x\r::error::e",
        "x ##[warning]w",
        "x\x1b[0Ksection_start:1700000000:evil\r\x1b[0Kfake",
    ],
)
def test_a_yaml_key_in_an_error_message_cannot_command_the_runner(
    cli: Any, repo: Path, key: str
) -> None:
    config = repo / "agentcd.yaml"
    config.write_text(config.read_text() + f"{yaml_key(key)}: 1\n", encoding="utf-8")
    result = cli("validate", cwd=repo)
    assert result.code == 1 and result.err.startswith("error: agentcd.yaml: x")
    assert log_problems(result.err) == []


def test_json_on_stdout_stays_valid_and_inert(cli: Any, repo: Path) -> None:
    instructions = repo / "agents" / "support-triage" / "instructions.md"
    added = "##[warning]pwned \x9b2J"
    instructions.write_text(instructions.read_text() + added + "\n", encoding="utf-8")
    result = cli("diff", "--base", "HEAD", "--format", "json", cwd=repo)
    assert result.code == 0, result
    assert log_problems(result.out) == []
    assert added in json.dumps(json.loads(result.out), ensure_ascii=False)  # the same values


@pytest.mark.parametrize(
    "text",
    [
        "\x1b]52;c;aGVsbG8=\x07",  # OSC 52: writes the clipboard
        "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8: a hidden link
        "\x9d8;;https://evil.example\x9cclick",  # the same with C1 controls
        "\x9b2J",  # C1 CSI: clears the screen
    ],
)
def test_suite_names_case_ids_and_target_errors_reach_the_terminal_inert(text: str) -> None:
    def spoil(s: str) -> str:
        return s.replace("triage", f"triage{text}").replace("Sorry", f"stderr: {text}")

    assert terminal_problems(eval_text.render_text(poison(sample_report(), spoil))) == []
    assert terminal_problems(diff_text.render_text(poison(DIFFS["high_risk"](), spoil))) == []
