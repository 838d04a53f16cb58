"""The line of each finding's field in its YAML file, for editors and CI annotations."""

from __future__ import annotations

from dataclasses import replace

from agentcd.core.definition.parse import decode_text, field_lines
from agentcd.core.definition.tree import Tree, read_file
from agentcd.core.policy.rules import Finding, sort_findings

_YAML_SUFFIXES = (".yaml", ".yml")


def locate_findings(tree: Tree, findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Give each finding in a YAML file the line of its field; each file is composed once."""
    wanted: dict[str, set[str]] = {}
    for f in findings:
        if f.line is None and f.field and f.file.endswith(_YAML_SUFFIXES):
            wanted.setdefault(f.file, set()).add(f.field)
    lines: dict[tuple[str, str], int | None] = {}
    for file, fields in wanted.items():
        text = decode_text(read_file(tree, file, where=(file, "")), path=file)
        lines.update(((file, field), line) for field, line in field_lines(text, fields).items())
    return sort_findings(
        replace(f, line=lines[f.file, f.field]) if (f.file, f.field) in lines else f
        for f in findings
    )
