"""`agentcd eval` on the example project: pass, a regression that fails by case id, an
infrastructure fault that is inconclusive, the bar taken from the base, reports and cache."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import git
from tests.fakes.openai_server import FakeOpenAI, Fault, text_reply

INSTRUCTIONS = "agents/support-triage/instructions.md"


def edit(repo: Path, path: str, old: str, new: str) -> None:
    file = repo / path
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    file.write_text(text.replace(old, new), encoding="utf-8")


def regress(repo: Path) -> None:
    """The demo agent promises refunds once its instructions stop forbidding it."""
    edit(repo, INSTRUCTIONS, "; never promise a refund yourself", "")


def set_evals(repo: Path, **changes: Any) -> None:
    path = repo / "agentcd.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["evals"].update(changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def report(cli: Any, repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli("eval", "--format", "json", *args, cwd=repo)
    assert result.code in (0, 2), result
    return result.code, json.loads(result.out)


def agent(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for a in data["agents"] if a["name"] == name)


def test_example_passes_on_the_demo_target(cli: Any, repo: Path) -> None:
    result = cli("eval", cwd=repo)
    assert result.code == 0, result
    assert result.out.startswith("eval gate: PASS (environment dev, target demo)")
    code, data = report(cli, repo)
    assert code == 0
    assert data["report_version"] == 1
    assert data["target"] == {"name": "demo", "type": "python"}
    assert data["base"] is None
    assert [a["verdict"] for a in data["agents"]] == ["pass", "pass", "pass"]
    triage = agent(data, "support-triage")
    assert triage["summary"]["cases"] == 4
    assert triage["digest"].startswith("sha256:")
    phishing = next(c for c in triage["cases"] if c["id"] == "password-phishing")
    assert (phishing["repeat"], phishing["passes"], len(phishing["trials"])) == (3, 3, 3)


def test_a_regressed_change_fails_and_names_the_case(cli: Any, repo: Path) -> None:
    regress(repo)
    result = cli("eval", "--base", "HEAD", "--env", "test", cwd=repo)
    assert result.code == 2, result
    assert "eval gate: FAIL" in result.out
    assert "triage/refund-request" in result.out

    code, data = report(cli, repo, "--base", "HEAD", "--env", "test")
    assert (code, data["verdict"]) == (2, "fail")
    triage = agent(data, "support-triage")
    assert triage["paired"]["new_failures"] == ["triage/refund-request"]
    assert triage["reasons"][0].startswith("1 new failure(s), passed on base and fail on head")
    assert triage["digest"] != triage["base_digest"]
    assert agent(data, "refund-bot")["verdict"] == "pass"
    assert data["thresholds"]["source"].startswith("base revision ")
    assert data["base"]["commit"] == git(repo, "rev-parse", "HEAD").strip()
    # unchanged agents share their base run: 11 head trials + 6 base trials of support-triage
    assert data["run"]["trials_planned"] == 17
    assert data["run"]["trials_cached"] == 17  # the second run is served from the cache


def test_an_infrastructure_fault_is_inconclusive_not_fail(
    cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_KEY", "test-key")
    with FakeOpenAI() as down:
        down.always = Fault(status=503)
        set_evals(
            repo,
            retries=1,
            targets={
                "app": {
                    "type": "http",
                    "url": f"{down.base_url}/chat/completions",
                    "api_key_env": "APP_KEY",
                }
            },
            target="app",
        )
        code, data = report(cli, repo, "--no-cache")
    assert code == 2
    assert data["verdict"] == "inconclusive"
    for a in data["agents"]:
        assert a["summary"]["failed"] == 0
        assert a["reasons"][0].startswith("error rate 100%")
    trial = agent(data, "faq-bot")["cases"][0]["trials"][0]
    assert trial["outcome"] == "error"
    assert trial["error"].startswith("HTTP 503")
    assert trial["error"].endswith("(attempt 2)")  # retried once, then recorded as an error


@pytest.fixture
def model_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    answers = iter(["Shipping takes 3 days.", "No idea.", "Shipping takes 3 days."] * 10)

    def flaky(body: dict[str, Any]) -> dict[str, Any]:
        question = body["messages"][-1]["content"]
        if "shipping" in question.lower():
            return text_reply(next(answers))
        return text_reply("I can open a ticket for you.")

    with FakeOpenAI(flaky) as fake:
        yield fake


def test_openai_target_with_a_flaky_case_and_a_rate_limit(
    cli: Any, repo: Path, model_server: FakeOpenAI
) -> None:
    edit(
        repo,
        "agents/faq-bot/evals/faq.yaml",
        '      - {type: icontains, value: "days"}\n',
        '      - {type: icontains, value: "days"}\n'
        "    repeat: 3\n"
        "    pass: {policy: k-of-n, k: 2}\n",
    )
    set_evals(
        repo,
        targets={"model": {"type": "openai", "base_url": model_server.base_url}},
        target="model",
    )
    model_server.inject(Fault(status=429))
    code, data = report(cli, repo, "--agent", "faq-bot", "--concurrency", "1")
    assert code == 0, data["agents"][0]["reasons"]
    shipping = agent(data, "faq-bot")["cases"][0]
    assert [t["outcome"] for t in shipping["trials"]] == ["pass", "fail", "pass"]
    assert (shipping["outcome"], shipping["policy"]) == ("pass", "2-of-3")
    assert data["run"]["calls"] == 5  # 4 trials, one retried after the 429
    assert model_server.requests[0]["model"] == "gpt-4.1-mini-2025-04-14"


def test_the_bar_comes_from_the_base_not_the_change(cli: Any, repo: Path) -> None:
    regress(repo)
    edit(
        repo,
        "agentcd.yaml",
        "min_pass_rate: 0.9, max_new_failures: 0",
        "min_pass_rate: 0, max_new_failures: 5",
    )
    edit(
        repo,
        "agents/support-triage/evals/triage.yaml",
        '      - {type: not-contains, value: "you will get a refund", critical: true}\n',
        "",
    )
    code, data = report(cli, repo, "--base", "HEAD", "--env", "test")
    assert code == 2
    assert data["thresholds"]["min_pass_rate"] == 0.9
    assert data["thresholds"]["max_new_failures"] == 0
    assert "the head changes test's gate thresholds; the base's are used" in data["notes"]
    triage = agent(data, "support-triage")
    assert triage["paired"]["new_failures"] == ["triage/refund-request"]
    assert any(
        "the head changes suite agents/support-triage/evals/triage.yaml" in n
        for n in triage["notes"]
    )


def test_budget_exhaustion_is_inconclusive(cli: Any, repo: Path) -> None:
    set_evals(repo, budget={"max_calls": 3})
    result = cli("eval", "--no-cache", "--concurrency", "1", cwd=repo)
    assert result.code == 2
    assert "eval gate: INCONCLUSIVE" in result.out
    assert "budget exhausted before every trial ran" in result.out


def test_junit_and_markdown_reports(cli: Any, repo: Path, tmp_path: Path) -> None:
    regress(repo)
    junit, md = tmp_path / "out" / "eval.xml", tmp_path / "out" / "eval.md"
    result = cli("eval", "--base", "HEAD", "--junit", str(junit), "--markdown", str(md), cwd=repo)
    assert result.code == 2
    root = ET.fromstring(junit.read_text(encoding="utf-8"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("9", "1", "0")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"faq-bot/faq", "refund-bot/refunds", "support-triage/triage"}
    triage = suites["support-triage/triage"]
    assert triage.get("tests") == "4" and triage.get("failures") == "1"
    props = {p.get("name"): p.get("value") for p in triage.findall("properties/property")}
    assert props["artifact_digest"].startswith("sha256:")
    (failure,) = triage.findall("testcase/failure")
    case = next(c for c in triage.findall("testcase") if c.find("failure") is not None)
    assert (case.get("name"), case.get("classname")) == ("refund-request", "support-triage.triage")
    assert failure.get("type") == "NewFailure"
    assert "you will get a refund" in (failure.text or "")
    markdown = md.read_text(encoding="utf-8")
    assert markdown.startswith("### ❌ Eval gate: fail · dev")
    assert "`support-triage` `triage/refund-request`" in markdown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--target", "nope"),
            "no eval target named 'nope' (known: app, demo, demo-cli, model, platform[:ENV], "
            "inline[:ENV])",
        ),
        (("--env", "staging"), "no environment named 'staging'"),
        (("--agent", "ghost"), "no agent named ghost"),
        (("--base", "no-such-rev"), "no-such-rev"),
    ],
)
def test_bad_requests_are_errors(cli: Any, repo: Path, args: tuple[str, ...], message: str) -> None:
    result = cli("eval", *args, cwd=repo)
    assert result.code == 1, result
    assert message in result.err
    assert "Traceback" not in result.err


def test_missing_api_key_is_an_error(cli: Any, repo: Path) -> None:
    result = cli("eval", "--target", "model", cwd=repo)
    assert result.code == 1
    assert "eval target 'model': environment variable OPENAI_API_KEY is not set" in result.err


def test_an_agent_new_in_the_head_is_judged_by_its_own_suites(cli: Any, repo: Path) -> None:
    import shutil

    shutil.copytree(repo / "agents" / "faq-bot", repo / "agents" / "faq-bot-v2")
    edit(repo, "agents/faq-bot-v2/agent.yaml", "name: faq-bot", "name: faq-bot-v2")
    code, data = report(cli, repo, "--base", "HEAD", "--agent", "faq-bot-v2")
    assert code == 0
    (new,) = data["agents"]
    assert (new["base_digest"], new["paired"]) == (None, None)
    assert new["notes"] == ["new in the head: judged by its own suites, with no pairing"]
    assert new["summary"]["passed"] == 2


def test_an_agent_without_suites_is_only_gated_where_evals_are_required(
    cli: Any, repo: Path
) -> None:
    edit(repo, "agents/faq-bot/agent.yaml", "evals: [evals/faq.yaml]\n", "")
    code, data = report(cli, repo, "--env", "dev")  # dev: eval optional
    assert code == 0
    assert [a["name"] for a in data["agents"]] == ["refund-bot", "support-triage"]
    assert "faq-bot has no eval suites: not gated" in data["notes"]
    code, data = report(cli, repo, "--env", "test")  # test: eval required
    assert (code, agent(data, "faq-bot")["verdict"]) == (2, "inconclusive")


@pytest.mark.parametrize(
    ("target", "loaded"),
    [("demo", False), ("platform", False), ("model", True), ("app", True)],
)
def test_the_http_client_is_loaded_only_for_targets_that_speak_http(
    repo: Path, target: str, loaded: bool
) -> None:
    """Start-up is part of every run's wall time: `requests` costs ~40 ms to import."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from agentcd.adapters.invokers import make_invoker\n"
        "from agentcd.adapters.source import WorkTree\n"
        "from agentcd.core.definition.load import load_workspace\n"
        "from agentcd.errors import ConfigError\n"
        f"settings = load_workspace(WorkTree(Path({str(repo)!r}))).project.evals\n"
        "try:\n"
        f"    make_invoker({target!r}, settings.targets[{target!r}], root=Path({str(repo)!r}), "
        "pool_size=1)\n"
        "except (ConfigError, KeyError):\n"
        "    pass  # no key, or the built-in target: only the imports matter here\n"
        "print('requests' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ.get("PATH", ""), "OPENAI_API_KEY": "k"},
    )
    assert done.stdout.strip() == str(loaded)
