"""The `file` platform: atomic deployment files, kept versions, read back as live state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcd.adapters.platforms.file import FilePlatform
from agentcd.adapters.platforms.protocol import PlatformError
from agentcd.core.deploy.drift import Presence, config_digest
from agentcd.core.deploy.release import Release
from tests.core.ledger_records import digest

# Canonical, as every artifact agentcd builds: name-keyed lists sorted.
ARTIFACT = {
    "metadata": {"name": "faq-bot"},
    "instructions": "Answer.\n",
    "tools": [{"name": "a", "type": "function"}, {"name": "b", "type": "function"}],
    "subagents": [],
}


def release(instructions: str = "Answer.\n", letter: str = "a") -> Release:
    return Release(
        agent="faq-bot",
        environment="prod",
        artifact={**ARTIFACT, "instructions": instructions},
        artifact_digest=digest(letter),
        bindings={"kb": "kb-prod"},
        deployment_digest=digest(letter.upper()),
    )


@pytest.fixture
def platform(tmp_path: Path) -> FilePlatform:
    return FilePlatform(tmp_path / "deployed", project_dir=tmp_path)


def test_apply_writes_the_live_file_and_keeps_every_version(platform: FilePlatform) -> None:
    first = platform.apply(platform.render(release()))
    second = platform.apply(platform.render(release("Answer briefly.\n", "b")))
    assert first == {"version": "1", "path": "prod/faq-bot.json"}
    assert second["version"] == "2"
    folder = platform.root / "prod"
    assert sorted(p.name for p in (folder / "faq-bot.versions").iterdir()) == ["1.json", "2.json"]
    assert not [p for p in folder.rglob("*.tmp")]
    live = json.loads((folder / "faq-bot.json").read_text())
    assert live["agentcd"] == {
        "format": 1,
        "agent": "faq-bot",
        "environment": "prod",
        "artifact_digest": digest("b"),
        "deployment_digest": digest("B"),
        "version": 2,
    }
    assert live["agent"]["instructions"] == "Answer briefly.\n"
    assert live["bindings"] == {"kb": "kb-prod"}
    old = json.loads((folder / "faq-bot.versions" / "1.json").read_text())
    assert old["agent"]["instructions"] == "Answer.\n"


def test_read_live_returns_the_rendered_config(platform: FilePlatform) -> None:
    rendered = platform.render(release())
    platform.apply(rendered)
    live = platform.read_live("faq-bot", "prod")
    assert (live.presence, live.deployment_digest, live.version) == (
        Presence.PRESENT,
        digest("A"),
        "1",
    )
    assert config_digest(live.config or {}) == config_digest(rendered.config)
    assert platform.live_agents("prod") == ("faq-bot",)
    assert platform.live_agents("dev") == ()


def test_reordering_a_set_by_hand_is_not_a_change(platform: FilePlatform) -> None:
    rendered = platform.render(release())
    platform.apply(rendered)
    path = platform.live_path("faq-bot", "prod")
    data = json.loads(path.read_text())
    data["agent"]["tools"].reverse()
    path.write_text(json.dumps(data, indent=4))
    live = platform.read_live("faq-bot", "prod")
    assert config_digest(live.config or {}) != config_digest(rendered.config)  # as read
    assert config_digest(live.normalized or {}) == config_digest(rendered.config)


@pytest.mark.parametrize(
    ("content", "presence", "detail"),
    [
        (None, Presence.ABSENT, "prod/faq-bot.json does not exist"),
        (b"{not json", Presence.UNREADABLE, "prod/faq-bot.json: not JSON"),
        (b"[1, 2]", Presence.UNREADABLE, "prod/faq-bot.json: not an agentcd deployment"),
        (b'{"agent": {}}', Presence.UNREADABLE, "prod/faq-bot.json: not an agentcd deployment"),
        (b"\xff\xfe", Presence.UNREADABLE, "prod/faq-bot.json: not UTF-8"),
    ],
)
def test_what_cannot_be_read_is_unreadable_not_absent(
    platform: FilePlatform, content: bytes | None, presence: Presence, detail: str
) -> None:
    path = platform.live_path("faq-bot", "prod")
    path.parent.mkdir(parents=True)
    if content is not None:
        path.write_bytes(content)
    live = platform.read_live("faq-bot", "prod")
    assert live.presence is presence
    assert live.detail.startswith(detail)


def test_a_write_failure_is_a_platform_error(platform: FilePlatform) -> None:
    platform.root.mkdir()
    (platform.root / "prod").write_text("a file where a folder must be")
    with pytest.raises(PlatformError) as e:
        platform.apply(platform.render(release()))
    assert str(e.value).startswith("deploying faq-bot to prod: writing ")


def test_invoke_calls_the_configured_entrypoint_with_the_deployed_config(tmp_path: Path) -> None:
    (tmp_path / "echo_app.py").write_text(
        "def answer(config, request):\n"
        "    return {'output': config['agent']['instructions'] + request['input']}\n"
    )
    platform = FilePlatform(
        tmp_path / "deployed", project_dir=tmp_path, invoker={"python": "echo_app:answer"}
    )
    platform.apply(platform.render(release()))
    assert platform.invoke("faq-bot", "prod", {"input": "hi"}) == {"output": "Answer.\nhi"}
    bare = FilePlatform(tmp_path / "deployed", project_dir=tmp_path)
    with pytest.raises(PlatformError, match="the target has no invoker"):
        bare.invoke("faq-bot", "prod", {"input": "hi"})
