"""`parse.field_lines`: the line of a field path in a YAML text, for annotations."""

from __future__ import annotations

import pytest

from agentcd.core.definition.parse import field_lines

DOC = """\
# a comment
apiVersion: agentcd.dev/v1
metadata:
  name: refund-bot
  owners: [team-payments]
instructions: |
  Line one.
  Line two.
tools:
  - name: crm
    binding: crm.v2
  - {name: issue_refund, side_effects: true}
environments:
  - name: dev
    bindings:
      crm.v2: http://127.0.0.1:8082
      crm: other
defaults: &defaults
  timeout: 30
target:
  <<: *defaults
  path: out
"""


@pytest.mark.parametrize(
    ("field", "line"),
    [
        ("apiVersion", 2),
        ("metadata.name", 4),
        ("metadata.owners", 5),
        ("metadata.owners[0]", 5),
        ("instructions", 6),
        ("instructions.text", 6),  # the string shorthand: the line of `instructions`
        ("tools[0]", 10),
        ("tools[0].binding", 11),
        ("tools[1].side_effects", 12),
        ("tools[1].approval", 12),  # missing: the tool's line
        ("tools[7].name", 9),  # no such tool: the `tools` line
        ("environments[0].bindings.crm.v2", 16),  # a key holding a dot
        ("environments[0].bindings.crm", 17),
        ("environments[0].bindings.orders", 15),
        ("target.timeout", 19),  # from a `<<` merge: where the value is written
        ("target.path", 22),
        ("nowhere", None),
        ("", None),
    ],
)
def test_field_lines(field: str, line: int | None) -> None:
    assert field_lines(DOC, [field]) == {field: line}


def test_many_fields_at_once() -> None:
    assert field_lines(DOC, ["apiVersion", "tools[1]"]) == {"apiVersion": 2, "tools[1]": 12}


def test_text_that_is_not_yaml_has_no_lines() -> None:
    assert field_lines("a: [", ["a"]) == {"a": None}
