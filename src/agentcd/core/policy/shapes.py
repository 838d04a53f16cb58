"""The credential shapes agentcd recognizes in any text, and how much of each may be shown.

Taken from the rule sets of the public scanners (gitleaks' default configuration,
detect-secrets' plugins) and each provider's documented token format, keeping those that fit
what agent definitions hold: model and platform API keys, cloud credentials, CI and registry
tokens, webhook URLs, passwords in connection URLs. Each shape names the credential as the
group `secret` (only that part is masked; what precedes it is shown) or, for tokens with a
public prefix, as the whole match with the prefix in the group `public`. Ordered so that a
more specific shape wins where two overlap. No I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

# Passwords that documentation writes into URLs (`postgres://user:password@host/db`).
_WORD_PASSWORDS = frozenset({"password", "passwd", "pass", "pwd", "secret", "changeme"})


@dataclass(frozen=True, slots=True)
class Shape:
    kind: str
    pattern: re.Pattern[str]
    keywords: tuple[str, ...]  # every match holds one of them: texts without any are skipped
    check: Callable[[str], bool] | None = None  # the credential must also pass this
    header: bool = False  # the match is a header naming a key block, not the key: shown whole

    def may_match(self, text: str, lowered: str) -> bool:
        haystack = lowered if self.pattern.flags & re.IGNORECASE else text
        return any(k in haystack for k in self.keywords)


def shannon_entropy(value: str) -> float:
    """Bits per character of `value`'s own character distribution."""
    if not value:
        return 0.0
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


def _decodes_to_userinfo(secret: str) -> bool:
    """`Basic` credentials are base64 of `user:password`; prose after "basic" is not."""
    try:
        text = base64.b64decode(secret + "=" * (-len(secret) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    return ":" in text and text.isprintable()


def _jwt_header(secret: str) -> bool:
    """A JWT's first part is base64url JSON naming its algorithm."""
    head = secret.split(".", 1)[0]
    try:
        data = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and "alg" in data


def _random(secret: str) -> bool:
    """Generated, not a word: several character classes and the entropy of random text."""
    classes = sum(any(f(c) for c in secret) for f in (str.islower, str.isupper, str.isdigit))
    return classes >= 2 and shannon_entropy(secret) >= 3.5


def _real_password(secret: str) -> bool:
    return secret.lower() not in _WORD_PASSWORDS and not (secret.isdigit() and len(secret) <= 5)


def _shape(
    kind: str,
    pattern: str,
    *keywords: str,
    check: Callable[[str], bool] | None = None,
    header: bool = False,
) -> Shape:
    return Shape(kind, re.compile(pattern), keywords, check, header)


def _prefixed(
    kind: str, prefix: str, rest: str, *, check: Callable[[str], bool] | None = None
) -> Shape:
    """A token made of a public prefix (regex `prefix`, one literal keyword) and random `rest`."""
    keyword = re.sub(r"\\(.)", r"\1", re.split(r"[(\[]", prefix, maxsplit=1)[0])
    return _shape(kind, rf"\b(?P<public>{prefix}){rest}", keyword, check=check)


SHAPES: tuple[Shape, ...] = (
    # Key blocks; a service-account file names its key `private_key`.
    _shape(
        "GCP service-account key",
        r"[\"']?private_key[\"']?\s*[:=]\s*[\"']?-----BEGIN[A-Z ]{0,40} PRIVATE KEY-----",
        "private_key",
        header=True,
    ),
    _shape(
        "private key",
        r"-----BEGIN[A-Z ]{0,40} PRIVATE KEY(?: BLOCK)?-----",
        "PRIVATE KEY",
        header=True,
    ),
    _prefixed("age secret key", "AGE-SECRET-KEY-1", r"[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b"),
    # Model providers and agent platforms.
    _prefixed("Anthropic API key", "sk-ant-", r"[A-Za-z0-9_-]{20,}"),
    _prefixed("OpenAI API key", "sk-(?:proj|svcacct|admin)-", r"[A-Za-z0-9_-]{20,}"),
    _prefixed("Langfuse secret key", "sk-lf-", r"[0-9a-f-]{30,}"),
    _prefixed("Stripe secret key", "[rs]k_(?:live|test)_", r"[A-Za-z0-9]{20,}"),
    _prefixed("Stripe webhook secret", "whsec_", r"[A-Za-z0-9+/]{32,}"),
    _prefixed("secret key (sk-)", "sk-", r"[A-Za-z0-9_-]{20,}"),
    _prefixed("Hugging Face token", "hf_", r"[A-Za-z]{34}\b", check=_random),
    _prefixed("Groq API key", "gsk_", r"[A-Za-z0-9]{52}\b"),
    _prefixed("xAI API key", "xai-", r"[A-Za-z0-9]{80}\b"),
    _prefixed("Perplexity API key", "pplx-", r"[A-Za-z0-9]{48}\b"),
    _prefixed("LangSmith API key", "lsv2_(?:pt|sk)_", r"[0-9a-f]{32}_[0-9a-f]{10}\b"),
    _shape(
        "JSON Web Token",
        r"\b(?P<public>eyJ)[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        "eyJ",
        check=_jwt_header,
    ),
    # Clouds.
    _prefixed("AWS access key id", "(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)", r"[0-9A-Z]{16}\b"),
    _shape(
        "AWS secret access key",
        r"(?i)\b(?:aws_?)?secret[ _-]?access[ _-]?key[\"']?\s*(?:[:=]|\bis\b)?\s*[\"']?"
        r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        "secret",
        check=_random,
    ),
    _prefixed("Google API key", "AIza", r"[0-9A-Za-z_-]{35}"),
    _prefixed("Google OAuth client secret", "GOCSPX-", r"[\w-]{28}"),
    _shape(
        "Azure storage account key",
        r"\bAccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)",
        "AccountKey=",
    ),
    _shape(
        "Azure shared access key",
        r"\bSharedAccessKey=(?P<secret>[A-Za-z0-9+/]{42,}={0,2})",
        "SharedAccessKey=",
    ),
    _shape(
        "Azure AD client secret",
        r"(?<![\w~.-])(?P<secret>[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?![\w~.-])",
        "Q~",
    ),
    _prefixed("DigitalOcean token", "do[opr]_v1_", r"[a-f0-9]{64}\b"),
    # Code hosts, CI, registries, secret stores.
    _prefixed("GitHub token", "gh[pousr]_", r"[A-Za-z0-9]{30,}"),
    _prefixed("GitHub token", "github_pat_", r"[A-Za-z0-9_]{22,}"),
    _prefixed("GitLab token", "gl(?:pat|cbt|dt|rt|ptt|ft|soat|oas|agent|imt|ffct)-", r"[\w-]{20,}"),
    _prefixed("GitLab runner registration token", "GR1348941", r"[\w-]{20,}"),
    _prefixed("npm token", "npm_", r"[A-Za-z0-9]{36}\b"),
    _prefixed("PyPI token", "pypi-", r"AgEIcHlwaS5vcmc[\w-]{50,}"),
    _prefixed("Atlassian API token", "ATATT3", r"[A-Za-z0-9_=-]{180,}"),
    _prefixed("Databricks token", "dapi", r"[a-f0-9]{32}(?:-\d)?\b"),
    _prefixed("Doppler token", r"dp\.pt\.", r"[A-Za-z0-9]{43}\b"),
    _prefixed("HashiCorp Vault token", r"hv[sb]\.", r"[\w-]{90,}"),
    _prefixed("Heroku API key", "HRKU-", r"[\w-]{58,}"),
    _prefixed("Linear API key", "lin_api_", r"[A-Za-z0-9]{40}\b"),
    _prefixed("SendGrid API key", r"SG\.", r"[\w-]{22}\.[\w-]{43}\b"),
    _prefixed("Shopify token", "shp(?:at|ca|pa|ss)_", r"[a-fA-F0-9]{32}\b"),
    # Chat: tokens and webhook URLs (whoever holds the URL may post).
    _prefixed("Slack token", "xox[abeprs]-", r"[A-Za-z0-9-]{10,}"),
    _prefixed("Slack app token", "xapp-", r"\d-[A-Z0-9]+-\d+-[a-z0-9]+"),
    _shape(
        "Slack webhook URL",
        r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/"
        r"(?P<secret>[A-Za-z0-9+/]{43,56})",
        "hooks.slack.com",
    ),
    _shape(
        "Discord webhook URL",
        r"(?:https?://)?(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/"
        r"(?P<secret>\d{17,20}/[\w-]{60,68})",
        "discord",
    ),
    _shape(
        "Microsoft Teams webhook URL",
        r"(?:https?://)?(?:[\w-]+\.webhook\.office\.com/webhookb2|outlook\.office(?:365)?\.com/"
        r"webhook)/(?P<secret>[\w@-]{36,}/IncomingWebhook/[0-9a-f]{32}/[\w-]{36,})",
        "office",
    ),
    # Signed URLs: Azure SAS tokens, Teams workflow and Logic Apps triggers.
    _shape("URL signature (sig=)", r"[?&]sig=(?P<secret>[A-Za-z0-9%+/_-]{40,}={0,2})", "sig="),
    # In a URL, an Authorization header, a connection string.
    _shape(
        "password in a URL",
        r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:@/?#\[\]]+:(?P<secret>[^\s@/?#]+)@[^\s/?#@]+",
        "://",
        check=_real_password,
    ),
    _shape(
        "basic auth credentials",
        r"\b[Bb]asic\s+(?P<secret>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])",
        "asic",
        check=_decodes_to_userinfo,
    ),
    _shape("bearer token", r"\b[Bb]earer\s+(?P<secret>[A-Za-z0-9._~+/-]{16,}=*)", "earer"),
)
