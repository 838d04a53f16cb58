"""Credentials agentcd sent, taken back out of whatever came back before it is kept or shown.

A target may echo the request's headers (a debugging endpoint, a proxy's error page, a model
repeating its prompt): its answer goes into observations, the eval cache, the JSON and
Markdown reports and job summaries. Every credential agentcd put on the request is replaced
there with `[redacted]`: each header value it set, and the token after an auth scheme
(`Bearer <key>`), as written, JSON-escaped and URL-encoded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote

REDACTED = "[redacted]"
# Shorter values are not searched for: they would match ordinary words in an answer, and no
# provider issues keys that short.
MIN_CREDENTIAL_LENGTH = 6


def sent_credentials(headers: Mapping[str, str]) -> tuple[str, ...]:
    """What a request's headers carry that must not come back: every value agentcd set (only
    credentials: the HTTP client adds the others) and the token after an auth scheme."""
    found: list[str] = []
    for value in headers.values():
        found.append(value)
        _scheme, _, token = value.strip().partition(" ")
        if token.strip():
            found.append(token.strip())
    return tuple(found)


class Redactor:
    """Replaces each of some credentials with `[redacted]` in text and in JSON-shaped data."""

    def __init__(self, credentials: Iterable[str]) -> None:
        forms = {
            form
            for credential in credentials
            if len(credential) >= MIN_CREDENTIAL_LENGTH
            for form in _forms(credential)
        }
        # Longest first: `Bearer <key>` goes as a whole, not as `Bearer [redacted]`.
        alternatives = sorted(forms, key=lambda f: (-len(f), f))
        self._pattern = re.compile("|".join(map(re.escape, alternatives))) if forms else None

    def text(self, text: str) -> str:
        return text if self._pattern is None else self._pattern.sub(REDACTED, text)

    def data(self, value: Any) -> Any:
        """`value` with every string (mapping keys included) redacted; other values as they are."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.data(k): self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(item) for item in value]
        return value


def _forms(credential: str) -> set[str]:
    """How a credential can appear in a reply: as sent, inside a JSON string, URL-encoded."""
    return {credential, json.dumps(credential)[1:-1], quote(credential, safe="")}


@lru_cache(maxsize=32)
def redactor_for(credentials: tuple[str, ...]) -> Redactor:
    """One redactor per set of credentials: a target sends the same headers on every call."""
    return Redactor(credentials)
