"""The eval suite schema (`kind: EvalSuite`): cases, inputs, fixtures and assertions. No I/O.

Assertion names follow promptfoo's where they overlap, so suites read familiarly. This module
defines the shape only; running and scoring live elsewhere.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from agentcd.core.definition.model import Strict

CaseId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")]


class _Assertion(Strict):
    weight: float = Field(1.0, ge=0)
    critical: bool = Field(False, description="a failure vetoes the case whatever the score")


class TextAssertion(_Assertion):
    type: Literal["equals", "contains", "icontains", "not-contains", "starts-with"]
    value: str


class RegexAssertion(_Assertion):
    type: Literal["regex"]
    value: str = Field(description="a Python regular expression, searched anywhere")


class IsJsonAssertion(_Assertion):
    type: Literal["is-json"]


class JsonSchemaAssertion(_Assertion):
    type: Literal["json-schema"]
    value: dict[str, Any]


class JsonPathAssertion(_Assertion):
    type: Literal["json-path"]
    path: str = Field(description="a JSONPath such as $.route or $.items[0].id")
    equals: Any = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _has_expectation(self) -> JsonPathAssertion:
        if self.equals is None and self.min is None and self.max is None:
            raise ValueError("give 'equals' or a range ('min', 'max')")
        return self


class ToolCalledAssertion(_Assertion):
    type: Literal["tool-called"]
    name: str
    args: dict[str, Any] = Field(default_factory=dict, description="partial argument match")
    min: int = Field(1, ge=0)
    max: int | None = Field(None, ge=0)


class ToolNotCalledAssertion(_Assertion):
    type: Literal["tool-not-called"]
    name: str


class ToolSequenceAssertion(_Assertion):
    type: Literal["tool-sequence"]
    value: tuple[str, ...] = Field(min_length=1)
    mode: Literal["in-order", "exact"] = "in-order"


class LimitAssertion(_Assertion):
    type: Literal["latency-ms", "tokens", "cost"]
    max: float = Field(ge=0)


class RubricAssertion(_Assertion):
    type: Literal["llm-rubric"]
    value: str = Field(min_length=1, description="what a good answer does")
    model: str = Field(min_length=1, description="the judge, a pinned model id")
    provider: str = "openai"
    threshold: float = Field(0.5, ge=0, le=1, description="the judge's score needed to pass")


Assertion = Annotated[
    TextAssertion
    | RegexAssertion
    | IsJsonAssertion
    | JsonSchemaAssertion
    | JsonPathAssertion
    | ToolCalledAssertion
    | ToolNotCalledAssertion
    | ToolSequenceAssertion
    | LimitAssertion
    | RubricAssertion,
    Field(discriminator="type"),
]


class Turn(Strict):
    role: Literal["system", "user", "assistant"] = "user"
    content: str


class PassPolicy(Strict):
    """How a case's repeated trials become one outcome."""

    policy: Literal["all", "k-of-n", "mean"] = "all"
    k: int | None = Field(None, ge=1, description="for k-of-n")
    min: float | None = Field(None, ge=0, le=1, description="for mean: mean score at least")

    @model_validator(mode="after")
    def _complete(self) -> PassPolicy:
        if self.policy == "k-of-n" and self.k is None:
            raise ValueError("'k-of-n' needs 'k'")
        if self.policy == "mean" and self.min is None:
            raise ValueError("'mean' needs 'min'")
        return self


class Case(Strict):
    id: CaseId
    description: str = ""
    input: str | tuple[Turn, ...]
    vars: dict[str, Any] = Field(default_factory=dict)
    fixtures: dict[str, Any] = Field(
        default_factory=dict, description="tool name -> the result the tool returns"
    )
    expect: tuple[Assertion, ...] = Field(min_length=1)
    repeat: int = Field(1, ge=1, le=100)
    threshold: float | None = Field(
        None, ge=0, le=1, description="weighted score a trial needs; unset: every assertion passes"
    )
    passing: PassPolicy = Field(PassPolicy(), alias="pass")
    tags: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _k_within_repeat(self) -> Case:
        if self.passing.k is not None and self.passing.k > self.repeat:
            raise ValueError(f"pass.k ({self.passing.k}) exceeds repeat ({self.repeat})")
        return self


class SuiteMetadata(Strict):
    name: str = Field(min_length=1)
    description: str = ""


class EvalSuite(Strict):
    api_version: Literal["agentcd.dev/v1"] = Field(alias="apiVersion")
    kind: Literal["EvalSuite"]
    metadata: SuiteMetadata
    cases: tuple[Case, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> EvalSuite:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"duplicate case id {case.id!r}")
            seen.add(case.id)
        return self
