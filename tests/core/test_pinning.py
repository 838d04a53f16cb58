"""Model id pinning: dated and versioned ids are pinned, aliases float."""

from __future__ import annotations

import pytest

from agentcd.core.definition.pinning import is_pinned


@pytest.mark.parametrize(
    "model_id",
    [
        "gpt-4.1-2025-04-14",
        "gpt-4.1-mini-2025-04-14",
        "gpt-4o-2024-08-06",
        "o1-2024-12-17",
        "gpt-4-0613",
        "gpt-4-1106-preview",
        "claude-sonnet-4-5-20250929",
        "claude-3-5-sonnet-20240620",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-3-haiku-20240307-v1:0",
        "amazon.titan-text-express-v1",
        "claude-3-5-sonnet@20240620",
        "claude-3-5-sonnet-v2@20241022",
        "gemini-1.5-pro-002",
        "gemini-2.5-flash-preview-05-20",
        "mistral-large-2407",
        "command-r-08-2024",
    ],
)
def test_pinned(model_id: str) -> None:
    assert is_pinned(model_id)


@pytest.mark.parametrize(
    "model_id",
    [
        "latest",
        "gpt-4.1",
        "gpt-4o",
        "gpt-4o-mini",
        "o3-mini",
        "claude-sonnet-4-5",
        "claude-3-5-sonnet-latest",
        "chatgpt-4o-latest",
        "gemini-1.5-pro-latest",
        "gemini-2.5-pro",
        "gpt-4-turbo-preview",
        "llama3:latest",
        "llama3.1:8b",
        "my-azure-deployment",
    ],
)
def test_floating(model_id: str) -> None:
    assert not is_pinned(model_id)
