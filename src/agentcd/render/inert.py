"""Untrusted text made inert for the two sinks that are not Markdown: a terminal and a CI log.

Whatever agentcd prints may land in either (the same stdout is a terminal on a laptop and a
log in CI), so everything it prints goes through `log`, which includes `terminal`. A character
that would act is shown as a `\\u001b`-style escape: the reader sees it, nothing obeys it, and
JSON stays valid JSON with the same values. Markdown and HTML rules are in `render.markdown`.
"""

from __future__ import annotations

import re

# C0 but tab and newline, DEL, C1: ESC opens every terminal sequence (colours, OSC 8 links,
# OSC 52 clipboard writes), CR starts a new line for the runner, and C1 has one-byte CSI/OSC.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# GitHub's runner reads a line as a command if it starts with `::` after its leading spaces
# are trimmed, or if `##[` appears anywhere in it (the older syntax), see actions/runner
# src/Runner.Common/ActionCommand.cs (TryParseV2 and TryParse).
_COMMAND_START = re.compile(r"^([^\S\n]*):(?=:)", re.MULTILINE)
_OLD_COMMAND = "##["


def _escape(char: str) -> str:
    return f"\\u{ord(char):04x}"


def terminal(text: str) -> str:
    """Text a terminal shows and does not obey: every control but tab and newline escaped.

    GitLab's log controls need the same characters: a section marker is
    `section_start:…\\r\\e[0K`, so with no CR and no ESC there is no marker.
    """
    return _CONTROL.sub(lambda m: _escape(m.group()), text)


def log(text: str) -> str:
    """Text a CI log shows and no runner obeys: `terminal`, no line starting with `::` (the
    first colon escaped), and no `##[` (its bracket escaped)."""
    shown = _COMMAND_START.sub(lambda m: m.group(1) + _escape(":"), terminal(text))
    return shown.replace(_OLD_COMMAND, "##" + _escape("["))
