"""agentcd's own rules for YAML scalars: which plain words become booleans, numbers and null.
No I/O.

The YAML parser only splits the text into events; what a scalar *means* is decided here, so
that a release of the parser cannot change a value, and so a digest. The rules are YAML 1.1's
(what PyYAML and most tools written against it read), without timestamps, and are written
down in docs/definition-format.md; tests pin them as literals.
"""

from __future__ import annotations

import math
import re
from typing import Any

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"

_BOOLS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
# Each number form needs at least one digit: `0x_` is a word, not a number.
_INT = re.compile(
    r"""[-+]?(?:0b_*[01][01_]*
    |0_*[0-7][0-7_]*
    |0
    |[1-9][0-9_]*
    |0x_*[0-9a-fA-F][0-9a-fA-F_]*
    |[1-9][0-9_]*(?::[0-5]?[0-9])+)""",
    re.X,
)
_FLOAT = re.compile(
    r"""[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*""",
    re.X,
)
# Under an explicit !!float, also exponents without a dot or sign (PyYAML writes `!!float 5e-324`).
_TAGGED_FLOAT = re.compile(
    r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?"
)
_NOT_FINITE = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")


class ScalarError(ValueError):
    """A scalar that the rules refuse; the message says why."""


def plain(value: str) -> Any:
    """The value of an untagged plain (unquoted, non-block) scalar."""
    if value in _BOOLS:
        return _BOOLS[value]
    if value in _NULLS:
        return None
    first = value[:1]
    if first in "-+0123456789.":
        if _INT.fullmatch(value):
            return _int(value)
        if _FLOAT.fullmatch(value):
            return _float(value)
        if _NOT_FINITE.fullmatch(value):
            raise ScalarError(f"{value!r} is not a finite number")
    return value


def tagged(tag: str, value: str) -> Any:
    """The value of a scalar with an explicit core tag (`!!int 5`, `!!str yes`)."""
    if tag == STR:
        return value
    if tag == FLOAT and _TAGGED_FLOAT.fullmatch(value):
        return _float(value)
    meant = plain(value)
    kind = {INT: int, FLOAT: float, BOOL: bool, NULL: type(None)}[tag]
    if kind is float and type(meant) is int:
        return float(meant)
    if type(meant) is not kind:
        short = tag.rsplit(":", 1)[1]
        raise ScalarError(f"{value!r} is not a value of the explicit tag !!{short}")
    return meant


def is_merge_key(value: str) -> bool:
    return value == "<<"


def _signed(text: str) -> tuple[int, str]:
    """The sign and the digits of a number, underscores dropped."""
    digits = text.replace("_", "")
    return (-1 if digits[0] == "-" else 1), digits.lstrip("+-")


def _int(text: str) -> int:
    sign, digits = _signed(text)
    if ":" in digits:  # base 60: 1:30 is 90
        return sign * int(_base60(digits))  # exact: no fraction, so no float on the way
    if digits.startswith("0b"):
        return sign * int(digits[2:], 2)
    if digits.startswith("0x"):
        return sign * int(digits[2:], 16)
    if digits != "0" and digits.startswith("0"):  # YAML 1.1 octal: 017 is 15
        return sign * int(digits, 8)
    return sign * int(digits)


def _float(text: str) -> float:
    sign, digits = _signed(text)
    value = float(_base60(digits)) if ":" in digits else float(digits)  # 1:30.5 is 90.5
    if not math.isfinite(value):  # 1.0e+999 overflows to inf
        raise ScalarError(f"{text!r} is not a finite number")
    return sign * value


def _base60(digits: str) -> int | float:
    """`1:30` is 90; every group but the last is an integer, the last may have a fraction."""
    *groups, last = digits.split(":")
    total = 0
    for group in groups:
        total = total * 60 + int(group)
    return total * 60 + (float(last) if "." in last else int(last))
