"""The checker itself: it must reject what GitHub's description rejects, and pass the rest."""

from __future__ import annotations

import json

import pytest

from tests.openapi.extract_github_subset import OPERATIONS
from tests.openapi.github_check import check_exchange, example, subset

API = "https://api.github.com"
COMMENTS = f"{API}/repos/o/r/issues/42/comments"
DEPLOYMENTS = f"{API}/repos/o/r/deployments"


def test_the_subset_holds_exactly_the_operations_we_use() -> None:
    held = {(m, p) for p, ops in subset()["paths"].items() for m in ops}
    assert held == set(OPERATIONS)


@pytest.mark.parametrize(
    ("method", "url", "body", "problem"),
    [
        ("GET", f"{COMMENTS}?per_page=100&page=2", None, None),
        ("GET", f"{COMMENTS}?since=2026-03-01T00:00:00Z", None, None),
        ("POST", COMMENTS, {"body": "hi"}, None),
        (
            "POST",
            DEPLOYMENTS,
            {"ref": "a" * 40, "auto_merge": False, "required_contexts": []},
            None,
        ),
        ("GET", f"{COMMENTS}?per_page=100&sort=created", None, "unknown query parameter 'sort'"),
        ("GET", f"{COMMENTS}?per_page=all", None, "query parameter per_page='all'"),
        ("GET", f"{API}/repos/o/r/issues/abc/comments", None, "path parameter issue_number"),
        ("POST", COMMENTS, {"text": "hi"}, "'body' is a required property"),
        ("POST", COMMENTS, None, "request body required"),
        ("POST", DEPLOYMENTS, {"ref": "main", "auto_merge": "false"}, "'false' is not of type"),
        ("PUT", COMMENTS, {"body": "hi"}, "no such operation"),
        ("GET", "https://api.github.com/repos/o/r/issues/42/timeline", None, "no such operation"),
    ],
)
def test_requests(method: str, url: str, body: object, problem: str | None) -> None:
    raw = json.dumps(body) if body is not None else None
    problems = check_exchange(method, url, raw, 404, "", api_url=API)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_answers_are_checked_against_the_response_schema() -> None:
    good = example("issue-comment")
    bad = dict(good, id="one")
    url, body = COMMENTS, json.dumps({"body": "hi"})

    assert check_exchange("POST", url, body, 201, json.dumps(good), api_url=API) == []
    [problem] = check_exchange("POST", url, body, 201, json.dumps(bad), api_url=API)
    assert "'one' is not of type 'integer'" in problem


def test_an_enterprise_base_path_is_stripped() -> None:
    ghes = "https://github.example.com/api/v3"
    url = "https://github.example.com:443/api/v3/repos/o/r/issues/42/comments?per_page=100"
    assert check_exchange("GET", url, None, 404, "", api_url=ghes) == []
    assert check_exchange("GET", COMMENTS, None, 404, "", api_url=ghes) != []
