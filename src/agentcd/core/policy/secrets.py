"""Recognizing credentials written as plain text, and masking them for messages. No I/O.

Two detectors: known key shapes (shapes.py: provider prefixes, key blocks, webhook URLs,
passwords in URLs, bearer and basic credentials), searched anywhere in a text; and a randomness
heuristic for single values in places where a credential is likely (a binding value, a field
named like a header, token or password).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from agentcd.core.policy.shapes import SHAPES, Shape, shannon_entropy

__all__ = ["SecretMatch", "find_secrets", "looks_random", "mask", "shannon_entropy"]

MIN_RANDOM_LENGTH = 20  # shorter values are names and ids far more often than credentials
_MIN_RUN = 16  # the longest separator-free stretch a random credential has at least

# Documentation placeholders are not credentials (AWS's own examples end in EXAMPLE), nor are
# references to where the value really is: `${VAR}`, `$VAR`, `{{ secret }}`, `%(name)s`.
_PLACEHOLDER = re.compile(
    r"x{6,}|X{6,}|\*{3,}|\.{3}|<[^>]*>|example|dummy|placeholder|redacted|changeme|your[_-]?"
    r"|\$\{|\$[A-Za-z_]|\{\{|%\(",
    re.IGNORECASE,
)

# Values that are high-entropy by nature yet not secret.
_NOT_SECRET = (
    re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://"),  # URL
    re.compile(r"^\$"),  # a reference to an environment variable or a CI secret
    re.compile(r"^(?:/|\./|\.\./|~/)"),  # path
    re.compile(r"^[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$"),  # UUID
    re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),  # e-mail address
    re.compile(r"^arn:"),  # AWS resource name
    re.compile(r"^(?:sha256|sha512|sha1):[0-9a-f]+$|@sha256:[0-9a-f]{64}$"),  # digest
    re.compile(r"^(?=(?:[\w.-]+/){2,}[\w.-]*$).*(?:^|/)[a-z]{4,}/"),  # projects/p/agents/a
    # Platform object ids (OpenAI assistants, vector stores, files; Langfuse public keys).
    re.compile(r"^(?:asst|vs|thread|run|msg|resp|batch|ftjob|proj|file|org|pk-lf)[_-][\w-]+$"),
)
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_SEPARATORS = re.compile(r"[-_.:@,;]")


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """A credential found in a text: what it looks like, where, and a safe way to show it."""

    kind: str
    offset: int
    masked: str


def find_secrets(text: str) -> tuple[SecretMatch, ...]:
    """Every known credential shape in `text`, in order, placeholders left out."""
    found: list[SecretMatch] = []
    taken: set[int] = set()
    lowered = text.lower() if any(s.pattern.flags & re.IGNORECASE for s in SHAPES) else text
    for shape in SHAPES:
        if not shape.may_match(text, lowered):
            continue
        for match in shape.pattern.finditer(text):
            secret = match.group("secret") if "secret" in match.re.groupindex else match.group(0)
            span = range(match.start(), match.end())
            if taken.intersection(span) or _PLACEHOLDER.search(secret):
                continue
            if shape.check is not None and not shape.check(secret):
                continue
            taken.update(span)
            found.append(SecretMatch(shape.kind, match.start(), _mask_match(shape, match)))
    return tuple(sorted(found, key=lambda m: m.offset))


def _mask_match(shape: Shape, match: re.Match[str]) -> str:
    if shape.header:
        return match.group(0)  # the line that says what follows, not the key
    if "secret" in match.re.groupindex:
        return match.group(0)[: match.start("secret") - match.start()] + mask(match["secret"])
    public = match.group("public") if "public" in match.re.groupindex else ""
    return mask(match.group(0), keep=len(public))


def mask(value: str, *, keep: int = 3) -> str:
    """`value` with all but its first `keep` characters (at most a quarter) hidden."""
    shown = value[: min(keep, len(value) // 4)]
    return f"{shown}… ({len(value)} characters)"


def looks_random(value: str) -> bool:
    """Whether a single value looks like a generated credential rather than a name or id.

    A heuristic: long enough, not a known harmless shape, and its longest stretch without
    separators has the entropy and character-class mixing of random text, not of words.
    """
    if len(value) < MIN_RANDOM_LENGTH or any(c.isspace() for c in value):
        return False
    if _PLACEHOLDER.search(value) or any(p.search(value) for p in _NOT_SECRET):
        return False
    run = max(_SEPARATORS.split(value), key=len)
    if len(run) < _MIN_RUN:
        return False
    if _HEX.match(run):
        return _classes(run) >= 2 and shannon_entropy(run) >= 3.0
    threshold = min(4.3, 3.3 + 0.03 * (len(run) - _MIN_RUN))
    return (
        _classes(run) >= 2
        and shannon_entropy(run) >= threshold
        and _switch_rate(run) >= 0.35
        and not _wordy(run)
    )


def _class(char: str) -> int:
    return 0 if char.islower() else 1 if char.isupper() else 2 if char.isdigit() else 3


def _classes(run: str) -> int:
    return len({_class(c) for c in run} - {3})


def _switch_rate(run: str) -> float:
    """How often neighbours differ in class (lower, upper, digit): random text switches often."""
    return sum(_class(a) != _class(b) for a, b in itertools.pairwise(run)) / (len(run) - 1)


def _wordy(run: str) -> bool:
    """CamelCase words: mixed case with most characters in lowercase stretches of 3 or more."""
    if not any(c.isupper() for c in run):
        return False
    return sum(len(w) for w in re.findall(r"[a-z]{3,}", run)) / len(run) >= 0.5
