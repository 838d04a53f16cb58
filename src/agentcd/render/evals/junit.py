"""The eval report as JUnit XML, the dialect GitHub test reporters and GitLab's
`artifacts:reports:junit` read: `<testsuites>` › `<testsuite>` per agent and suite ›
`<testcase>` per case, with `<failure>`, `<error>` or `<skipped>` and `<properties>`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from agentcd.core.evals.observation import CheckOutcome
from agentcd.core.evals.report import AgentReport, EvalReport, SuiteReport
from agentcd.core.evals.verdict import CaseResult


def render_junit(report: EvalReport) -> str:
    root = ET.Element("testsuites", name=f"agentcd eval ({report.environment})")
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for agent in report.agents:
        for suite in agent.suites:
            element = _suite(agent, suite, report)
            root.append(element)
            for key in ("tests", "failures", "errors"):
                totals[key] += int(element.get(key, "0"))
            totals["time"] += float(element.get("time", "0"))
    for key, value in totals.items():
        root.set(key, f"{value:.3f}" if key == "time" else str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _suite(agent: AgentReport, suite: SuiteReport, report: EvalReport) -> ET.Element:
    cases = [c for c in agent.cases if c.suite == suite.name]
    element = ET.Element("testsuite", name=f"{agent.name}/{suite.name}")
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(c.outcome is CheckOutcome.FAIL for c in cases)))
    element.set("errors", str(sum(c.outcome is CheckOutcome.ERROR for c in cases)))
    element.set("skipped", str(sum(not c.trials for c in cases)))
    element.set("time", f"{sum(_seconds(c) for c in cases):.3f}")
    properties = ET.SubElement(element, "properties")
    for name, value in (
        ("agent", agent.name),
        ("artifact_digest", agent.digest),
        ("base_digest", agent.base_digest or ""),
        ("suite_path", suite.path),
        ("suite_digest", suite.digest),
        ("target", report.target_name),
        ("environment", report.environment),
        ("verdict", suite.decision.verdict.value),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for case in cases:
        element.append(_case(agent, case))
    return element


def _case(agent: AgentReport, case: CaseResult) -> ET.Element:
    element = ET.Element(
        "testcase",
        name=case.case_id,
        classname=f"{agent.name}.{case.suite}",
        time=f"{_seconds(case):.3f}",
    )
    base = agent.base_case(case.key)
    properties = ET.SubElement(element, "properties")
    for name, value in (
        ("policy", case.policy),
        ("passes", f"{case.passes}/{case.planned}"),
        ("base_outcome", base.outcome.value if base else "none"),
        ("tags", ",".join(case.tags)),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    if case.outcome is CheckOutcome.FAIL:
        new = base is not None and base.outcome is CheckOutcome.PASS
        label = "new failure (passed on base)" if new else "failed"
        failure = ET.SubElement(element, "failure", message=f"{label}: {case.reason}")
        failure.set("type", "NewFailure" if new else "AssertionFailure")
        failure.text = _detail(case)
    elif case.outcome is CheckOutcome.ERROR and not case.trials:
        ET.SubElement(element, "skipped", message="not run: the eval budget was exhausted")
    elif case.outcome is CheckOutcome.ERROR:
        error = ET.SubElement(element, "error", message=case.reason, type="EvalError")
        error.text = _detail(case)
    return element


def _detail(case: CaseResult) -> str:
    lines = []
    for trial in case.trials:
        lines.append(f"trial {trial.trial}: {trial.outcome.value}: {trial.reason}")
        for result in trial.assertions:
            lines.append(f"  expect[{result.index}] {result.type}: {result.check.outcome.value}")
            lines.append(f"    {result.check.reason}")
    return "\n".join(lines)


def _seconds(case: CaseResult) -> float:
    return sum((t.observation.latency_ms or 0.0) for t in case.trials) / 1000
