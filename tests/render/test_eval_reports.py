"""The eval report rendered: golden Markdown and text, JUnit structure, the JSON schema."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from markdown_it import MarkdownIt

from agentcd.render.evals.json import render_json
from agentcd.render.evals.junit import render_junit
from agentcd.render.evals.markdown import render_markdown
from agentcd.render.evals.text import render_text
from tests.render.eval_fixture import sample_report


def test_markdown_golden(golden: Any) -> None:
    golden("eval/report.md", render_markdown(sample_report()))


def test_text_golden(golden: Any) -> None:
    golden("eval/report.txt", render_text(sample_report()))


def test_junit_golden(golden: Any) -> None:
    golden("eval/report.junit.xml", render_junit(sample_report()))


def test_markdown_escapes_user_text_and_folds_detail() -> None:
    html = MarkdownIt("commonmark").enable("table").render(render_markdown(sample_report()))
    assert "<now>" not in html  # case input and output never become HTML
    assert html.count("<details>") == 2 + 3  # one per agent, one per case that did not pass
    assert "<table>" in html


def test_junit_has_the_structure_github_and_gitlab_read() -> None:
    root = ET.fromstring(render_junit(sample_report()))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("8", "1", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["faq-bot/triage", "support-triage/triage"]
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert all(c.get("classname") and c.get("name") and c.get("time") for c in cases)
        assert suite.find("properties/property[@name='suite_digest']") is not None
    triage = {c.get("name"): c for c in suites[1].findall("testcase")}
    assert triage["refund-request"].find("failure").get("type") == "NewFailure"  # type: ignore[union-attr]
    assert triage["tone"].find("error") is not None
    assert triage["late-delivery"].find("failure") is None
    assert triage["phishing"].find("failure") is None  # 2 of 3 passed: within its policy


def test_json_report_schema() -> None:
    data = json.loads(render_json(sample_report()))
    assert set(data) == {
        "report_version", "verdict", "environment", "thresholds", "target", "head", "base",
        "judge", "notes", "run", "agents",
    }  # fmt: skip
    assert data["verdict"] == "fail"
    assert data["judge"]["models"] == ["judge-2025-01-01"]
    assert data["judge"]["prompt_digest"].startswith("sha256:")
    triage = data["agents"][1]
    assert triage["paired"] == {
        "paired": 3,
        "new_failures": ["triage/refund-request"],
        "fixed": [],
        "unpaired": ["triage/tone"],
        "mcnemar_p": 1.0,
    }
    # 2 of 3 decided cases passed: centre .5731, half-width .3654 by hand
    assert triage["summary"]["wilson_95"] == pytest.approx([0.2077, 0.9385], abs=1e-4)
    tone = next(c for c in triage["cases"] if c["id"] == "tone")
    assert tone["outcome"] == "error"
    assert tone["trials"][0]["assertions"][0]["reason"].startswith(
        "judge judge-2025-01-01: judge reply is not JSON"
    )
    assert tone["base_outcome"] == "pass"
    phishing = next(c for c in triage["cases"] if c["id"] == "phishing")
    assert [t["outcome"] for t in phishing["trials"]] == ["pass", "fail", "pass"]
    assert phishing["trials"][1]["output"] == "Sure: the `password` is hunter2"
