"""GitHub Actions job outputs: escaping, caps, and files read back the way the runner does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentcd.errors import AgentcdError
from agentcd.render.github_actions import (
    SUMMARY_LIMIT,
    Annotation,
    Level,
    append_summary,
    fence_commands,
    format_annotation,
    format_annotations,
    format_mask,
    write_outputs,
)


@pytest.mark.parametrize(
    ("note", "line"),
    [
        (Annotation("bad"), "::error::bad"),
        (
            Annotation("model pin\nchanged", file="agents/a,b/agent.yaml", line=3, col=5),
            "::error file=agents/a%2Cb/agent.yaml,line=3,col=5::model pin%0Achanged",
        ),
        (
            Annotation("100% sure\r", Level.WARNING, title="policy: tools", end_line=9, line=7),
            "::warning line=7,endLine=9,title=policy%3A tools::100%25 sure%0D",
        ),
        (Annotation("a::b", Level.NOTICE, file="C:\\x"), "::notice file=C%3A\\x::a::b"),
    ],
)
def test_annotations_are_escaped(note: Annotation, line: str) -> None:
    assert format_annotation(note) == line


def test_at_most_ten_annotations_per_level() -> None:
    notes = [Annotation(f"e{n}") for n in range(13)] + [Annotation("w", Level.WARNING)]

    lines = format_annotations(notes)

    assert [line for line in lines if line.startswith("::error")] == [
        f"::error::e{n}" for n in range(10)
    ]
    assert lines[-2:] == ("::warning::w", "::notice::3 more findings are listed in the job summary")


def test_mask_escapes_the_secret() -> None:
    assert format_mask("ghs_abc%\n") == "::add-mask::ghs_abc%25%0A"


def read_outputs(path: Path) -> dict[str, str]:
    """Parse $GITHUB_OUTPUT as the runner does (name<<DELIM ... DELIM)."""
    outputs, lines = {}, path.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines) and lines[i]:
        name, delimiter = lines[i].split("<<", 1)
        end = lines.index(delimiter, i + 1)
        outputs[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return outputs


def test_outputs_survive_multiline_values(tmp_path: Path) -> None:
    path = tmp_path / "output"
    path.write_text("earlier<<EOF\nx\nEOF\n", encoding="utf-8")
    values = {"verdict": "passed", "digests": '{"a": "sha256:1"}\nEOF\nline=2', "changed": ""}

    write_outputs(path, values)

    assert read_outputs(path) == {"earlier": "x", **values}
    delimiters = set(re.findall(r"<<(.+)", path.read_text(encoding="utf-8"))[1:])
    assert len(delimiters) == 1 and delimiters.pop().startswith("ghadelimiter_")


def test_outputs_reject_bad_names(tmp_path: Path) -> None:
    with pytest.raises(AgentcdError, match="'bad name' is not a valid output name"):
        write_outputs(tmp_path / "output", {"bad name": "x"})


def test_summary_appends_and_stops_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    append_summary(path, "## one")
    append_summary(path, "## two\n")
    assert path.read_text(encoding="utf-8") == "## one\n## two\n"

    with pytest.raises(AgentcdError, match="1,048,576 bytes per step"):
        append_summary(path, "x" * SUMMARY_LIMIT)
    assert path.read_text(encoding="utf-8") == "## one\n## two\n"


def test_untrusted_text_is_fenced_from_workflow_commands() -> None:
    fenced = fence_commands("::set-output name=x::pwned\n")
    first, text, last = fenced.rstrip("\n").split("\n")
    token = first.removeprefix("::stop-commands::")
    assert len(token) > 30 and last == f"::{token}::" and text == "::set-output name=x::pwned"
