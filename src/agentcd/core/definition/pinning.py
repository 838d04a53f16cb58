"""Whether a model id names a fixed snapshot or a floating alias the provider may move. No I/O.

Pinned ids carry a date or version stamp (`gpt-4.1-2025-04-14`, `claude-sonnet-4-5-20250929`,
`anthropic.claude-3-haiku-20240307-v1:0`, `claude-3-5-sonnet@20240620`, `gemini-1.5-pro-002`,
`gpt-4-0613`); `latest` anywhere in the id, or no stamp at all (`gpt-4.1`, `gpt-4o`,
`claude-sonnet-4-5`), is floating.
"""

from __future__ import annotations

import re

_LATEST = re.compile(r"(?:^|[-_.:/@])latest(?:$|[-_.:/@])", re.IGNORECASE)
_STAMPS = (
    # a date, YYYY-MM-DD or YYYYMMDD, anywhere: OpenAI, Anthropic, Bedrock, Vertex ids
    re.compile(r"(?<!\d)(?:19|20)\d{2}-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])(?!\d)"),
    re.compile(r"-v\d+(?::\d+)?$"),  # Bedrock version suffix: ...-v1:0, ...-v2
    re.compile(r"[-@]\d{3}$"),  # Gemini stable versions: gemini-1.5-pro-002, @001
    re.compile(r"-\d{4}(?:-preview)?$"),  # MMDD or YYMM stamps: gpt-4-0613, mistral-large-2407
    re.compile(r"-\d{2}-\d{2}$"),  # dated previews: gemini-2.5-flash-preview-05-20
    re.compile(r"@sha256:[0-9a-f]{64}$"),  # content-addressed weights
)


def is_pinned(model_id: str) -> bool:
    """True when `model_id` names one fixed snapshot of a model."""
    if _LATEST.search(model_id):
        return False
    return any(stamp.search(model_id) for stamp in _STAMPS)
