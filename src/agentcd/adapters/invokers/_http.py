"""POSTing JSON with requests, one session per thread, HTTP failures mapped to InvokeError.

Whatever comes back (the parsed reply, an error's detail, a malformed body, a connection
error) has the credentials of the request's headers redacted before anyone sees it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from agentcd.adapters.invokers.base import InvokeError
from agentcd.adapters.invokers.redact import Redactor, redactor_for, sent_credentials

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class JsonPoster:
    """POST JSON, read JSON; sessions are per thread so connections are reused safely."""

    def __init__(self, *, pool_size: int = 16) -> None:
        self._local = threading.local()
        self._pool_size = pool_size

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self._pool_size)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
        return session

    def post(
        self, url: str, body: Mapping[str, Any], *, headers: Mapping[str, str], timeout: float
    ) -> Any:
        """The reply's JSON, the credentials in `headers` redacted (every header given here is
        one agentcd set from a secret); InvokeError, equally redacted, when there is none."""
        redactor = redactor_for(sent_credentials(headers))
        try:
            response = self._session().post(url, json=body, headers=dict(headers), timeout=timeout)
        except requests.Timeout as e:
            raise InvokeError(f"timed out after {timeout:g}s", retryable=True) from e
        except requests.ConnectionError as e:
            detail = redactor.text(_first_line(e))
            raise InvokeError(f"connection failed: {detail}", retryable=True) from e
        if response.status_code >= 400:
            raise _status_error(response, redactor)
        try:
            return redactor.data(response.json())
        except ValueError:
            snippet = _snippet(redactor.text(response.text))
            # Not chained: the decoding error holds the whole body, unredacted, as `doc`.
            message = f"malformed response: not JSON ({snippet})"
            raise InvokeError(message, retryable=False) from None


def _status_error(response: requests.Response, redactor: Redactor) -> InvokeError:
    retry_after = response.headers.get("Retry-After", "")
    try:
        detail = str(response.json().get("error", {}).get("message", ""))
    except (ValueError, AttributeError):
        detail = _snippet(response.text)
    detail = _snippet(redactor.text(detail))
    return InvokeError(
        f"HTTP {response.status_code}" + (f": {detail}" if detail else ""),
        retryable=response.status_code in RETRYABLE_STATUS,
        retry_after=float(retry_after) if retry_after.replace(".", "", 1).isdigit() else None,
    )


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat[:120] + ("…" if len(flat) > 120 else "")


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__
