"""How agentcd talks to GitHub's REST API: connection options and the error translation.

Every PyGithub call runs inside `api_errors`, which turns GitHub's answers into
`AgentcdError`s naming the activity and, for a 403, the permission the token lacks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import requests
from github.GithubException import (
    BadCredentialsException,
    GithubException,
    RateLimitExceededExceedsMaxWait,
    RateLimitExceededException,
)

from agentcd.adapters.environ import CiContext
from agentcd.errors import AgentcdError

DEFAULT_API_URL = "https://api.github.com"
_FORKS = (
    "grant it in the job's `permissions:`; on pull requests from forks GITHUB_TOKEN is "
    "read-only, so comment from a `workflow_run` workflow instead (see docs/hosts.md)"
)


@dataclass(frozen=True, slots=True)
class GitHubOptions:
    """Connection settings; the defaults suit a GitHub Actions job."""

    api_url: str = DEFAULT_API_URL
    """`GITHUB_API_URL`: `https://HOST/api/v3` on GitHub Enterprise Server."""
    author: str | None = None
    """The login whose comments are ours; None derives it from the token."""
    retries: int = 5
    backoff: float = 1.0
    secondary_wait: float = 60.0
    """Seconds to wait after a secondary rate limit without `Retry-After`."""
    max_wait: float = 300.0
    """Longest rate-limit wait accepted; a longer one fails the command instead."""
    paced: bool = True
    """Space requests as PyGithub does by default (0.25 s, and 1 s between writes)."""

    def with_context(self, ctx: CiContext) -> GitHubOptions:
        return replace(
            self, api_url=ctx.api_url or self.api_url, author=self.author or ctx.comment_author
        )


@contextmanager
def api_errors(activity: str, permission: str) -> Iterator[None]:
    """Run GitHub calls; re-raise their failures as `AgentcdError` saying what to do."""
    try:
        yield
    except BadCredentialsException as e:
        raise AgentcdError(
            f"{activity}: GitHub rejected the token (401): it is missing, expired or revoked"
        ) from e
    except RateLimitExceededExceedsMaxWait as e:
        raise AgentcdError(
            f"{activity}: GitHub's rate limit asks to wait {e.wait:.0f} s, longer than agentcd "
            "waits; re-run the job later"
        ) from e
    except RateLimitExceededException as e:
        raise AgentcdError(f"{activity}: GitHub's rate limit is exhausted: {_message(e)}") from e
    except GithubException as e:
        raise AgentcdError(_describe(activity, permission, e)) from e
    except requests.exceptions.RetryError as e:
        raise AgentcdError(
            f"{activity}: GitHub kept failing (server errors or rate limits) after retries"
        ) from e
    except requests.RequestException as e:
        raise AgentcdError(f"{activity}: cannot reach GitHub: {e}") from e


def _describe(activity: str, permission: str, e: GithubException) -> str:
    status, message = e.status, _message(e)
    if status == 403:
        return (
            f"{activity}: GitHub refused (403: {message}): the token needs {permission}; {_FORKS}"
        )
    if status == 404:
        return (
            f"{activity}: not found (404: {message}): check the repository and number, and "
            "that the token can see the repository"
        )
    return f"{activity}: GitHub answered {status}: {message}"


def _message(e: GithubException) -> str:
    data = e.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return str(data or "no message")
