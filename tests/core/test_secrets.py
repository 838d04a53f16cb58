"""Credential shapes, the randomness heuristic, and masking."""

from __future__ import annotations

import base64
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


HEX = "0123456789abcdef"
UPPER_DIGITS = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


def b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def uuid(seed: int) -> str:
    h = rand(32, HEX, seed)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# (kind, text, the credential inside it, how much before the credential a message may show).
# Each assembled at run time: no literal token sits in the repository.
_SLACK_PATH = (
    "T" + rand(8, UPPER_DIGITS, 50) + "/B" + rand(8, UPPER_DIGITS, 51) + "/" + rand(24, seed=52)
)
_TEAMS_PATH = f"{uuid(53)}@{uuid(54)}/IncomingWebhook/{rand(32, HEX, 55)}/{uuid(56)}"
_JWT = ".".join(
    (
        b64url('{"alg":"HS256","typ":"JWT"}'),
        b64url('{"sub":"1234567890","name":"triage-bot","iat":1767225600}'),
        rand(43, URLSAFE, 57),
    )
)
_BASIC = base64.b64encode(("deploy:" + rand(16, seed=58)).encode()).decode()
GROUPED = [
    ("Slack webhook URL", "https://hooks.slack.com/services/", _SLACK_PATH),
    ("Slack webhook URL", "hooks.slack.com/workflows/", _SLACK_PATH),
    (
        "Discord webhook URL",
        "https://discord.com/api/webhooks/",
        rand(18, "0123456789", 59) + "/" + rand(68, URLSAFE, 60),
    ),
    ("Microsoft Teams webhook URL", "https://contoso.webhook.office.com/webhookb2/", _TEAMS_PATH),
    (
        "URL signature (sig=)",
        "https://prod-12.westus.logic.azure.com:443/workflows/"
        + rand(32, HEX, 61)
        + "/triggers/manual/paths/invoke?api-version=2016-06-01&sv=1.0&sig=",
        rand(43, URLSAFE, 62),
    ),
    (
        "URL signature (sig=)",
        "https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&se=2026-01-01&sig=",
        rand(40, ALNUM, 63) + "%3D",
    ),
    ("password in a URL", "postgres://app:", rand(16, seed=64)),
    ("password in a URL", "mongodb+srv://svc:", rand(20, seed=65)),
    ("password in a URL", "https://deploy:", rand(12, seed=66)),
    ("basic auth credentials", "Authorization: Basic ", _BASIC),
    ("AWS secret access key", "aws_secret_access_key = ", rand(40, B64, 67)),
    ("AWS secret access key", "The AWS secret access key is ", rand(40, B64, 68)),
    ("AWS secret access key", '"SecretAccessKey": "', rand(40, B64, 69)),
    (
        "Azure storage account key",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=",
        rand(86, B64, 70) + "==",
    ),
    (
        "Azure shared access key",
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=",
        rand(43, B64, 71) + "=",
    ),
    ("Azure AD client secret", "client_secret: ", rand(3, seed=72) + "8Q~" + rand(34, seed=73)),
    ("bearer token", "Authorization: Bearer ", rand(40, seed=17)),
]
_AFTER = {"password in a URL": "@db.internal:5432/orders", "URL signature (sig=)": "&sp=r"}


@pytest.mark.parametrize(("kind", "before", "secret"), GROUPED, ids=[g[0] for g in GROUPED])
def test_shapes_with_a_credential_part_show_what_precedes_it(
    kind: str, before: str, secret: str
) -> None:
    text = f"Connect with {before}{secret}{_AFTER.get(kind, '')} and go on.\n"
    (found,) = find_secrets(text)
    assert found.kind == kind
    start = text.index(secret)
    assert found.offset <= start  # the shape starts at its context: the URL, the header, the key
    assert found.masked == text[found.offset : start] + mask(secret)
    assert secret[-12:] not in found.masked


PREFIXED = [
    ("GitLab token", "gl" + "cbt-", "64_" + rand(20, seed=80)),
    ("GitLab token", "gl" + "dt-", rand(20, seed=81)),
    ("GitLab token", "gl" + "rt-", rand(20, seed=82)),
    ("GitLab token", "gl" + "ptt-", rand(40, HEX, 83)),
    ("GitLab token", "gl" + "soat-", rand(20, seed=84)),
    ("GitLab runner registration token", "GR13" + "48941", rand(20, seed=85)),
    ("GitHub token", "gh" + "s_", rand(36, seed=86)),
    ("Slack token", "xo" + "xe-", "1-" + rand(40, seed=87)),
    (
        "Slack app token",
        "xa" + "pp-",
        "1-A"
        + rand(10, UPPER_DIGITS, 88)
        + "-"
        + rand(13, "0123456789", 89)
        + "-"
        + rand(64, HEX, 90),
    ),
    ("Stripe webhook secret", "wh" + "sec_", rand(32, seed=91)),
    ("Langfuse secret key", "sk-" + "lf-", uuid(92)),
    ("npm token", "np" + "m_", rand(36, seed=93)),
    ("PyPI token", "py" + "pi-", "AgEIcHlwaS5vcmc" + rand(60, URLSAFE, 94)),
    ("Hugging Face token", "h" + "f_", rand(34, string.ascii_letters, 95)),
    ("Groq API key", "gs" + "k_", rand(52, seed=96)),
    ("xAI API key", "xa" + "i-", rand(80, seed=97)),
    ("Perplexity API key", "pp" + "lx-", rand(48, seed=98)),
    ("LangSmith API key", "lsv2" + "_pt_", rand(32, HEX, 99) + "_" + rand(10, HEX, 100)),
    ("Google OAuth client secret", "GOC" + "SPX-", rand(28, seed=101)),
    ("AWS access key id", "AS" + "IA", rand(16, UPPER_DIGITS, 102)),
    ("age secret key", "AGE-" + "SECRET-KEY-1", rand(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 103)),
    ("DigitalOcean token", "do" + "p_v1_", rand(64, HEX, 104)),
    ("HashiCorp Vault token", "hv" + "s.", rand(95, URLSAFE, 105)),
    ("SendGrid API key", "S" + "G.", rand(22, seed=106) + "." + rand(43, seed=107)),
    ("Shopify token", "shp" + "at_", rand(32, HEX, 108)),
    ("Databricks token", "da" + "pi", rand(32, HEX, 109)),
    ("Doppler token", "dp" + ".pt.", rand(43, seed=110)),
    ("Linear API key", "lin" + "_api_", rand(40, seed=111)),
    ("Heroku API key", "HR" + "KU-", "AA" + rand(58, URLSAFE, 112)),
    ("Atlassian API token", "ATA" + "TT3", rand(186, URLSAFE, 113)),
    ("JSON Web Token", "ey" + "J", _JWT[3:]),
]


@pytest.mark.parametrize(("kind", "prefix", "rest"), PREFIXED, ids=[p[0] for p in PREFIXED])
def test_vendor_tokens_show_at_most_their_public_prefix(kind: str, prefix: str, rest: str) -> None:
    token = prefix + rest
    text = f"export TOKEN={token}\n"
    (found,) = find_secrets(text)
    assert (found.kind, found.offset) == (kind, text.index(token))
    assert found.masked == mask(token, keep=len(prefix))
    assert rest[-12:] not in found.masked


def test_a_service_account_file_is_named_and_shows_no_key() -> None:
    key = "-----BEGIN PRIVATE KEY-----\\n" + rand(64, B64, 120) + "\\n-----END PRIVATE KEY-----\\n"
    text = (
        '{"type": "service_account", "project_id": "support-prod", "private_key_id": "'
        + rand(40, HEX, 121)
        + f'", "private_key": "{key}", "client_email": "bot@support-prod.iam.gserviceaccount.com"}}'
    )
    (found,) = find_secrets(text)
    assert found.kind == "GCP service-account key"
    assert found.masked == '"private_key": "-----BEGIN PRIVATE KEY-----'


@pytest.mark.parametrize(
    "text",
    [
        # prose
        "Use basic authentication for the internal API; basic information is in the FAQ.",
        "Bearer of bad news: say so politely.",
        "The secret access key is kept in the vault, never in this file.",
        "See https://hooks.slack.com/services/ for how webhooks are set up.",
        "Ask for the order number (a UUID like 3f2b8c1e-9a4d-4c2b-8e1f-0a9b8c7d6e5f).",
        "Pinned as ghcr.io/acme/agent@sha256:" + rand(64, HEX, 130) + ".",
        "digest sha256:" + rand(64, HEX, 131),
        "Write to support@example.com or open https://status.example.com:8443/v1?page=2.",
        "Clone git@github.com:acme/support.git or ssh://git@github.com/acme/support.",
        "http://127.0.0.1:8081/orders, http://[::1]:8080/ and https://bot@hooks.example.com/x",
        "A photo: xoxo-indieweb-1.jpg",
        "Basic " + base64.b64encode(b"no colon in this text").decode(),
        "ey" + "J" + b64url('{"foo":1}')[3:] + "." + b64url('{"bar":22222222}') + "." + "c" * 12,
        # references to where the value really is, and documentation placeholders
        "postgres://app:${DB_PASSWORD}@db.internal/orders",
        "https://deploy:{{ secrets.registry_password }}@registry.example.com",
        "https://deploy:{{password}}@registry.example.com",
        "mysql://root:$MYSQL_ROOT_PASSWORD@localhost/app",
        "postgres://user:password@localhost:5432/db",
        "https://***:***@proxy.example.com",
        "mysql://root:<password>@localhost",
        "https://hooks.slack.com/services/XXXXXXXXX/XXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=<your account key>",
        "Authorization: Bearer ${API_TOKEN}",
        "Authorization: Basic {{ basic_credentials }}",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
        "gl" + "pat-" + "XXXXXXXXXXX-XXXXXXXX",
    ],
)
def test_prose_ids_digests_and_placeholders_are_not_credentials(text: str) -> None:
    assert find_secrets(text) == ()
