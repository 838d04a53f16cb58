"""The exit codes every command shares; actions and scripts read them, so they never change."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # an error the user can fix: the message names the file and the field
    NO = 2  # a decision said no: a gate refused, drift or a difference found (--exit-code)
    BUG = 3  # unexpected: details in a log file
    INTERRUPTED = 130
