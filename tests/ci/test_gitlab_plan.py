"""The GitLab plan component end to end under `gitlab-ci-local`: the sticky merge request note.

The project includes `templates/plan.yml` as a local component at its own commit, exactly as
`workflows/gitlab-ci-plan.yml` shows (rewritten only to point at the local component and use
the agentcd installed here). A merge request pipeline is emulated with `--variable`. The job
talks to a loopback HTTP server that answers with the host-adapter tests' fake GitLab
(`tests/adapters/hosts/fake_gitlab.py`, payloads from GitLab's API documentation), so the
note that was posted can be asserted. A second pipeline with nothing changed must only read.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import yaml

from agentcd.core.review.marker import parse_marker
from tests.adapters.hosts.fake_gitlab import API, PROJECT, FakeGitLab
from tests.ci.test_gitlab_components import Pipeline, Project, find_gitlab_ci_local
from tests.conftest import ROOT, git
from tests.render.markdown_structure import check_inert, check_structure

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_gitlab_ci_local() is None, reason="gitlab-ci-local not found"),
]

MR = 7
TOKEN = "glpat-" + "z" * 20
Callback = Callable[[Any], tuple[int, dict[str, str], str]]


@dataclass
class Routes:
    """Collects what a `responses`-based fake registers, to answer real HTTP requests with it."""

    routes: list[tuple[str, re.Pattern[str], Callback]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def add_callback(self, method: str, url: re.Pattern[str], callback: Callback) -> None:
        self.routes.append((method, url, callback))

    def answer(self, method: str, url: str, body: bytes) -> tuple[int, dict[str, str], str]:
        self.calls.append((method, url))
        request = type("Request", (), {"method": method, "url": url, "body": body or None})()
        for want, pattern, callback in self.routes:
            if want == method and pattern.match(url):
                return callback(request)
        return 404, {"Content-Type": "application/json"}, '{"message": "404 Not Found"}'


@contextmanager
def serve(routes: Routes) -> Iterator[str]:
    """A loopback server; requests to `<it>/api/v4/...` are answered as `API/...` would be."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.headers.get("PRIVATE-TOKEN") != TOKEN:
                status, headers, text = 401, {}, '{"message": "401 Unauthorized"}'
            else:
                url = API + self.path.removeprefix("/api/v4")
                status, headers, text = routes.answer(self.command, url, body)
            data = text.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    finally:
        server.shutdown()
        server.server_close()


def local_pipeline() -> str:
    """workflows/gitlab-ci-plan.yml with the local component and the agentcd on PATH."""
    text = (ROOT / "workflows" / "gitlab-ci-plan.yml").read_text(encoding="utf-8")
    text = text.replace("$CI_SERVER_FQDN/agentcd/agentcd/", "$CI_SERVER_FQDN/$CI_PROJECT_PATH/")
    text = text.replace("@1.0.0", "@$CI_COMMIT_SHA")
    pipeline = yaml.safe_load(text)
    for include in pipeline["include"]:
        include["inputs"] = {**include.get("inputs", {}), "agentcd-package": "none"}
    return yaml.safe_dump(pipeline, sort_keys=False)


@dataclass(frozen=True)
class Noted:
    project: Project
    fake: FakeGitLab
    routes: Routes
    head: str
    first: Pipeline
    calls_after_first: list[tuple[str, str]]
    second: Pipeline


@pytest.fixture(scope="module")
def noted(tmp_path_factory: pytest.TempPathFactory) -> Noted:
    project = Project(tmp_path_factory.mktemp("gitlab-plan"))
    git(project.path, "remote", "set-url", "origin", f"https://gitlab.example.com/{PROJECT}.git")
    (project.path / ".gitlab-ci.yml").write_text(local_pipeline(), encoding="utf-8")
    project.commit("Plan merge requests")
    base = git(project.path, "rev-parse", "HEAD").strip()
    subprocess.run(
        [sys.executable, "-m", "agentcd", "-C", str(project.path), "promote", "--env", "dev"],
        check=True,
        capture_output=True,
    )
    refund = project.path / "agents" / "refund-bot" / "agent.yaml"
    refund.write_text(refund.read_text().replace("approval: always", "approval: never"))
    project.commit("Unattended refunds")
    head = git(project.path, "rev-parse", "HEAD").strip()
    routes = Routes()
    fake = FakeGitLab(routes).install()  # type: ignore[arg-type]
    with serve(routes) as api_url:
        mr = [
            # gitlab-ci-local says GITLAB_CI=false so scripts can tell; GitLab says true.
            *("--variable", "GITLAB_CI=true"),
            *("--variable", "CI_PIPELINE_SOURCE=merge_request_event"),
            *("--variable", f"CI_MERGE_REQUEST_IID={MR}"),
            *("--variable", f"CI_MERGE_REQUEST_DIFF_BASE_SHA={base}"),
            *("--variable", f"CI_API_V4_URL={api_url}"),
            *("--variable", f"AGENTCD_GITLAB_TOKEN={TOKEN}"),
        ]
        first = project.run(*mr)
        calls = list(routes.calls)
        second = project.run(*mr)
    return Noted(project, fake, routes, head, first, calls, second)


def test_the_plan_job_passes(noted: Noted) -> None:
    for pipeline in (noted.first, noted.second):
        assert pipeline.code == 0, pipeline.output[-4000:]
        assert pipeline.results() == {"agentcd-eval-test": "PASS", "agentcd-plan": "PASS"}


def test_one_note_is_posted_for_the_head(noted: Noted) -> None:
    methods = [m for m, _ in noted.calls_after_first]
    assert methods.count("POST") == 1 and "PUT" not in methods
    (note,) = noted.fake.on_mr(MR)
    marker = parse_marker(note["body"])
    assert marker is not None and (marker.change, marker.head) == (MR, noted.head)
    body = note["body"]
    check_structure(body)
    check_inert(body)
    assert "## agentcd plan · 1 of 3 agents changes" in body
    assert "> - `refund-bot` · `tools[issue_refund].approval`: approval loosened" in body
    # The eval job's report reached the note: the head paired with the merge base.
    assert "(base 3/3)" in body
    assert "new failures: none" in body


def test_an_unchanged_plan_is_not_written_again(noted: Noted) -> None:
    later = noted.routes.calls[len(noted.calls_after_first) :]
    assert later and all(method == "GET" for method, _ in later)
    assert len(noted.fake.on_mr(MR)) == 1


def test_the_report_is_kept_as_artifacts(noted: Noted) -> None:
    output = noted.first.job_output("agentcd-plan")
    assert "## agentcd plan · 1 of 3 agents changes · gate" in output
    assert "plan comment created" in output
