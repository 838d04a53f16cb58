"""Credential shapes, the randomness heuristic, and masking."""

from __future__ import annotations

import random
import string

import pytest

from agentcd.core.policy.secrets import find_secrets, looks_random, mask, shannon_entropy

ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM, seed: int = 0) -> str:
    """Deterministic random text. Credentials are assembled at run time so that no literal
    token sits in the repository for secret scanners to trip over."""
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


SHAPES = [
    ("OpenAI API key", "sk-" + "proj-" + rand(48, seed=1)),
    ("OpenAI API key", "sk-" + "svcacct-" + rand(40, seed=2)),
    ("secret key (sk-)", "sk-" + rand(48, seed=3)),
    ("Anthropic API key", "sk-" + "ant-api03-" + rand(60, seed=4)),
    ("AWS access key id", "AK" + "IA" + rand(16, string.ascii_uppercase + string.digits, 5)),
    ("GitHub token", "gh" + "p_" + rand(36, seed=6)),
    ("GitHub token", "gh" + "o_" + rand(36, seed=7)),
    ("GitHub token", "github" + "_pat_" + rand(22, seed=8) + "_" + rand(59, seed=9)),
    ("GitLab token", "gl" + "pat-" + rand(20, seed=10)),
    ("Slack token", "xo" + "xb-" + "1234567890-" + rand(24, seed=11)),
    ("Slack token", "xo" + "xp-" + rand(30, seed=12)),
    ("Google API key", "AI" + "za" + rand(35, seed=13)),
    ("Stripe secret key", "sk" + "_live_" + rand(24, seed=14)),
    ("private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow" + rand(60, seed=15)),
    ("private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blb" + rand(60, seed=16)),
    ("bearer token", "Authorization: Bearer " + rand(40, seed=17)),
]


@pytest.mark.parametrize(("kind", "secret"), SHAPES)
def test_shapes_are_found_and_masked(kind: str, secret: str) -> None:
    text = f"line one\nsee {secret} here\n"
    (found,) = find_secrets(text)
    assert found.kind == kind
    assert found.offset == text.index(secret.split("\n")[0].split(": ")[-1])
    random_part = secret[-16:]
    assert random_part not in found.masked
    assert "…" in found.masked or kind == "private key"


@pytest.mark.parametrize(
    "text",
    [
        "sk-" + "proj-" + "x" * 40,
        "AK" + "IAIOSFODNN7EXAMPLE",  # AWS's documented example key
        "gh" + "p_" + "<your token here>",
        "Bearer <token>",
        "Bearer " + "YOUR_API_TOKEN_HERE_PLEASE",
        "sk-" + "proj-" + "REDACTED" + "0" * 20,
        "see the skill docs: tokens must never be shared",
        "task-" + "a1b2c3d4e5f6g7h8i9j0",  # a dash after 'sk' inside a word is not a key
    ],
)
def test_placeholders_and_prose_are_not_secrets(text: str) -> None:
    assert find_secrets(text) == ()


def test_one_credential_is_reported_once() -> None:
    key = "sk-" + "proj-" + rand(48, seed=20)
    found = find_secrets(f"Authorization: Bearer {key}")
    assert len(found) == 1


def test_several_credentials_come_in_order() -> None:
    first, second = "gh" + "p_" + rand(36, seed=21), "gl" + "pat-" + rand(20, seed=22)
    found = find_secrets(f"{second}\n{first}")
    assert [f.kind for f in found] == ["GitLab token", "GitHub token"]


@pytest.mark.parametrize(
    "value",
    [
        rand(20, seed=30),
        rand(32, seed=31),
        rand(40, ALNUM + "+/", seed=32),
        rand(64, seed=33),
        rand(32, "0123456789abcdef", seed=34),
        rand(40, "0123456789abcdef", seed=35),
        "key-" + rand(24, seed=36),
    ],
)
def test_random_values_look_random(value: str) -> None:
    assert looks_random(value)


@pytest.mark.parametrize(
    "value",
    [
        "https://crm.example.com/mcp",
        "http://127.0.0.1:8082/mcp",
        "$CRM_TOKEN",
        "${{ secrets.CRM_TOKEN }}",
        "policies-knowledge-base-prod",
        "kb-prod-2026-10-01-final",
        "3f2b8c1e-9a4d-4c2b-8e1f-0a9b8c7d6e5f",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:knowledge-base/ABCDEFGHIJ",
        "projects/my-project/locations/us-central1/agents/1234567890",
        "/subscriptions/0000/resourceGroups/rg/providers/x",
        "CustomerSupportKnowledgeBase2026",
        "SupportDeskProdIndexV2",
        "asst_" + rand(24, seed=40),
        "vs_" + rand(24, seed=41),
        "sha256:" + rand(64, "0123456789abcdef", seed=42),
        "support@example.com",
        "short" + rand(10, seed=43),
        "two words " + rand(30, seed=44),
        "AZURE_OPENAI_DEPLOYMENT_NAME",
    ],
)
def test_names_ids_and_references_do_not(value: str) -> None:
    assert not looks_random(value)


@pytest.mark.parametrize(
    ("value", "keep", "shown"),
    [
        ("abcdefghijklmnopqrst", 3, "abc… (20 characters)"),
        ("abcdefgh", 3, "ab… (8 characters)"),  # never more than a quarter
        ("abcd", 3, "a… (4 characters)"),
        ("abcdefghijklmnopqrst", 0, "… (20 characters)"),
    ],
)
def test_mask(value: str, keep: int, shown: str) -> None:
    assert mask(value, keep=keep) == shown


@pytest.mark.parametrize(
    ("value", "bits"),
    [("", 0.0), ("aaaa", 0.0), ("abab", 1.0), ("abcd", 2.0), ("0123456789abcdef", 4.0)],
)
def test_shannon_entropy(value: str, bits: float) -> None:
    assert shannon_entropy(value) == pytest.approx(bits)
