"""Recognizing credentials written as plain text, and masking them for messages. No I/O.

Two detectors: known key shapes (provider prefixes, private key blocks, bearer tokens),
searched anywhere in a text; and a randomness heuristic for single values in places where a
credential is likely (a binding value, a field named like a header, token or password).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass

MIN_RANDOM_LENGTH = 20  # shorter values are names and ids far more often than credentials
_MIN_RUN = 16  # the longest separator-free stretch a random credential has at least

# (kind, pattern): group 1 is the credential when the pattern has one.
# Shapes as documented by each provider; ordered so that a more specific shape wins.
_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private key", re.compile(r"-----BEGIN[A-Z ]{0,40} PRIVATE KEY(?: BLOCK)?-----")),
    ("Anthropic API key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("OpenAI API key", re.compile(r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}")),
    ("Stripe secret key", re.compile(r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{20,}")),
    ("secret key (sk-)", re.compile(r"\bsk-[A-Za-z0-9_-]{20,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}")),
    ("GitHub token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}")),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("bearer token", re.compile(r"\b[Bb]earer\s+([A-Za-z0-9._~+/-]{16,}=*)")),
)
# How much of a match may be shown: the shape's public prefix, never the random part.
_PUBLIC_PREFIX = re.compile(
    r"^(?:-----BEGIN[A-Z ]* PRIVATE KEY(?: BLOCK)?-----|sk-ant-|sk-(?:proj|svcacct|admin)-"
    r"|[rs]k_(?:live|test)_|sk-|AKIA|ASIA|gh[pousr]_|github_pat_|glpat-|xox[abprs]-|AIza)"
)
# Documentation placeholders are not credentials (AWS's own examples end in EXAMPLE).
_PLACEHOLDER = re.compile(
    r"x{6,}|X{6,}|\*{4,}|\.{3}|<[^>]*>|example|dummy|placeholder|redacted|changeme|your[_-]?",
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
    for kind, pattern in _SHAPES:
        for match in pattern.finditer(text):
            start = match.start()
            value = match.group(1) if pattern.groups else match.group(0)
            span = range(start, match.end())
            if taken.intersection(span) or _PLACEHOLDER.search(value):
                continue
            taken.update(span)
            found.append(SecretMatch(kind=kind, offset=start, masked=_mask_match(match)))
    return tuple(sorted(found, key=lambda m: m.offset))


def _mask_match(match: re.Match[str]) -> str:
    if match.re.groups:
        head = match.group(0)[: match.start(1) - match.start(0)]
        return head + mask(match.group(1))
    return mask(match.group(0), keep=_public_prefix_length(match.group(0)))


def _public_prefix_length(value: str) -> int:
    prefix = _PUBLIC_PREFIX.match(value)
    return len(prefix.group(0)) if prefix else 0


def mask(value: str, *, keep: int = 3) -> str:
    """`value` with all but its first `keep` characters (at most a quarter) hidden."""
    if value.startswith("-----BEGIN"):
        return value  # the header line of a key block is not the key
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


def shannon_entropy(value: str) -> float:
    """Bits per character of `value`'s own character distribution."""
    if not value:
        return 0.0
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


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
