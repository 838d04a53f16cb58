"""apply, find_version and point on the fake: AWS's lifecycle, one version per
deployment, a retry that converges, and the exact calls each takes."""

from __future__ import annotations

import dataclasses
import time

import pytest

from agentcd.adapters.platforms.bedrock import BedrockPlatform
from agentcd.adapters.platforms.bedrock_render import read_stamp
from agentcd.errors import PlatformError
from tests.adapters.platforms.bedrock.conftest import (
    INSTRUCTIONS,
    ROLE,
    Connect,
    make_bedrock_release,
)
from tests.adapters.platforms.bedrock.fake import Crash, FakeBedrock

FIRST_PROMOTE = [
    "ListAgents",
    "CreateAgent",
    "GetAgent",  # CREATING -> NOT_PREPARED
    "CreateAgentActionGroup",
    "CreateAgentActionGroup",
    "AssociateAgentKnowledgeBase",
    "PrepareAgent",
    "GetAgent",  # PREPARING
    "GetAgent",  # PREPARED
    "ListAgentAliases",
    "CreateAgentAlias",  # version 1
    "GetAgentAlias",
    "GetAgentVersion",  # it carries this release's stamp
]
CHANGED_PROMOTE = [
    "GetAgent",
    "ListTagsForResource",
    "ListAgentVersions",  # no version with this stamp
    "UpdateAgent",
    "ListAgentActionGroups",
    "UpdateAgentActionGroup",
    "UpdateAgentActionGroup",
    "ListAgentKnowledgeBases",  # unchanged: no call for it
    "PrepareAgent",
    "GetAgent",
    "GetAgent",
    "ListAgentAliases",
    "UpdateAgentAlias",  # version 2
    "GetAgentAlias",
    "GetAgentVersion",
]
VERIFY = [  # a stamped version is read whole: the stamp alone is no proof
    "GetAgentVersion",
    "ListAgentActionGroups",
    "GetAgentActionGroup",
    "GetAgentActionGroup",
    "ListAgentKnowledgeBases",
]
SAME_PROMOTE = ["GetAgent", "ListTagsForResource", "ListAgentVersions", *VERIFY, "ListAgentAliases"]
ROLLBACK = [*SAME_PROMOTE, "UpdateAgentAlias", "GetAgentAlias"]

CHANGED = INSTRUCTIONS + "Greet the customer by name when you know it.\n"


def routes(fake: FakeBedrock, environment: str = "prod") -> str:
    ((agent,),) = [list(fake.agents.values())]
    alias = next(a for a in agent.aliases.values() if a["agentAliasName"] == environment)
    return str(alias["routingConfiguration"][0]["agentVersion"])


def test_the_first_promote_creates_the_agent_and_version_1(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    release = make_bedrock_release()
    versions = platform.apply(platform.render(release))
    agent = next(iter(fake.agents.values()))
    assert versions == {"version": "1", "agent": agent.id, "alias": versions["alias"]}
    assert fake.calls == FIRST_PROMOTE
    assert routes(fake) == "1"
    assert agent.tags == {"agentcd:agent": "triage", "agentcd:managed-by": "agentcd"}
    stamp = read_stamp(agent.versions["1"]["description"])
    assert stamp is not None and stamp[:2] == ("Routes support tickets", release.deployment_digest)
    assert sorted(g["actionGroupName"] for g in agent.groups["1"].values()) == [
        "lookup_order",
        "route_ticket",
    ]
    assert list(agent.bases["1"]) == ["KBPROD0001"]


def test_applying_twice_makes_one_version(platform: BedrockPlatform, fake: FakeBedrock) -> None:
    rendered = platform.render(make_bedrock_release())
    first = platform.apply(rendered)
    fake.calls.clear()
    assert platform.apply(rendered) == first
    assert fake.calls == SAME_PROMOTE
    assert list(next(iter(fake.agents.values())).versions) == ["1"]


def test_a_change_is_version_2_and_the_old_release_points_back_to_1(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    old = platform.render(make_bedrock_release())
    platform.apply(old)
    fake.calls.clear()
    new = platform.render(make_bedrock_release(instructions=CHANGED))
    assert platform.apply(new)["version"] == "2"
    assert fake.calls == CHANGED_PROMOTE
    assert routes(fake) == "2"
    fake.calls.clear()
    assert platform.apply(old)["version"] == "1"  # a rollback re-applies the recorded bundle
    assert fake.calls == ROLLBACK
    assert routes(fake) == "1"
    assert list(next(iter(fake.agents.values())).versions) == ["1", "2"]


def test_update_agent_keeps_what_the_definition_does_not_carry_and_resets_the_rest(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    platform.apply(platform.render(make_bedrock_release()))
    agent = next(iter(fake.agents.values()))
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    memory = {"enabledMemoryTypes": ["SESSION_SUMMARY"], "storageDays": 30}
    agent.fields |= {"customerEncryptionKeyArn": key, "memoryConfiguration": memory}
    agent.fields["instruction"] = "Edited in the console, which agentcd overwrites. " * 2
    agent.groups["DRAFT"]["GRHAND0001"] = {
        "actionGroupId": "GRHAND0001",
        "actionGroupName": "added_by_hand",
        "actionGroupExecutor": {"customControl": "RETURN_CONTROL"},
        "agentVersion": "DRAFT",
    }
    platform.apply(platform.render(make_bedrock_release(instructions=CHANGED)))
    made = agent.versions["2"]
    assert (made["customerEncryptionKeyArn"], made["memoryConfiguration"]) == (key, memory)
    assert made["instruction"] == CHANGED
    assert "added_by_hand" not in {g["actionGroupName"] for g in agent.groups["2"].values()}


def test_tools_and_knowledge_removed_from_the_definition_leave_the_draft(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    platform.apply(platform.render(make_bedrock_release()))
    smaller = make_bedrock_release(
        tools=[{"name": "user_input", "type": "builtin"}], knowledge=[], guardrails=[]
    )
    assert platform.apply(platform.render(smaller))["version"] == "2"
    agent = next(iter(fake.agents.values()))
    assert [g["actionGroupName"] for g in agent.groups["2"].values()] == ["user_input"]
    assert agent.bases["2"] == {}
    assert "guardrailConfiguration" not in agent.versions["2"]  # UpdateAgent replaced it
    assert fake.calls.count("DeleteAgentActionGroup") == 2
    assert fake.calls.count("DisassociateAgentKnowledgeBase") == 1


@pytest.mark.parametrize("crash", ["CreateAgentAlias", "PrepareAgent", "UpdateAgent"])
def test_a_retry_after_a_crash_converges_on_one_version(
    platform: BedrockPlatform, fake: FakeBedrock, crash: str
) -> None:
    platform.apply(platform.render(make_bedrock_release("dev")))  # the agent exists
    rendered = platform.render(make_bedrock_release(instructions=CHANGED))
    fake.crash_after.add(crash)
    with pytest.raises(Crash):
        platform.apply(rendered)
    again = platform.apply(rendered)
    assert platform.apply(rendered) == again
    agent = next(iter(fake.agents.values()))
    assert list(agent.versions) == ["1", "2"]
    assert routes(fake, "prod") == again["version"] == "2"


def test_two_environments_with_the_same_digest_but_other_roles_get_their_own_versions(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    unbound = {
        "tools": [{"name": "user_input", "type": "builtin"}],
        "knowledge": [],
        "guardrails": [],
    }
    dev, prod = make_bedrock_release("dev", **unbound), make_bedrock_release("prod", **unbound)
    assert dev.deployment_digest == prod.deployment_digest  # no bindings: the same digest
    assert platform.apply(platform.render(dev))["version"] == "1"
    assert platform.apply(platform.render(prod))["version"] == "2"
    agent = next(iter(fake.agents.values()))
    assert agent.versions["2"]["agentResourceRoleArn"] == ROLE.format("prod")
    assert (routes(fake, "dev"), routes(fake, "prod")) == ("1", "2")


def test_a_draft_changed_while_it_was_versioned_is_refused_and_the_alias_goes_back(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    platform.apply(platform.render(make_bedrock_release()))

    def another_run(bedrock: FakeBedrock) -> None:  # another environment's promote, meanwhile
        agent = next(iter(bedrock.agents.values()))
        agent.fields["description"] = (
            agent.fields["description"].replace("sha256:", "sha256:0")[:-2] + "]"
        )

    fake.before["UpdateAgentAlias"] = another_run
    with pytest.raises(
        PlatformError, match=r"version 2 is not this release's .* back at version 1"
    ):
        platform.apply(platform.render(make_bedrock_release(instructions=CHANGED)))
    assert routes(fake) == "1"


def test_find_version_with_a_hint_and_point(platform: BedrockPlatform, fake: FakeBedrock) -> None:
    old = platform.render(make_bedrock_release())
    new = platform.render(make_bedrock_release(instructions=CHANGED))
    assert platform.find_version(old) is None  # no agent yet
    platform.apply(old)
    platform.apply(new)
    assert (platform.find_version(old), platform.find_version(new)) == ("1", "2")
    fake.calls.clear()
    assert platform.find_version(old, hint="1") == "1"
    assert fake.calls == VERIFY  # a recorded id is checked, not searched for
    assert platform.find_version(old, hint="2") == "1"  # not its stamp: searched
    assert platform.point(old, "1")["version"] == "1"
    assert routes(fake) == "1"
    assert platform.point(new, "2")["version"] == "2"
    del next(iter(fake.agents.values())).versions["1"]
    assert platform.find_version(old, hint="1") is None  # gone: a rollback re-applies
    with pytest.raises(PlatformError, match="UpdateAgentAlias: ResourceNotFoundException"):
        platform.point(new, "9")
    assert routes(fake) == "2"


def test_an_agent_agentcd_did_not_make_is_not_touched(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    platform.apply(platform.render(make_bedrock_release()))
    next(iter(fake.agents.values())).tags.clear()  # as if someone made it by hand
    with pytest.raises(PlatformError) as e:
        platform.apply(platform.render(make_bedrock_release(instructions=CHANGED)))
    assert "is not tagged agentcd:agent=triage: agentcd changes only agents it made" in str(e.value)
    assert str(e.value).startswith("deploying triage to prod: the Bedrock agent triage (AG")
    assert "UpdateAgent" not in fake.calls


def test_a_failed_prepare_names_aws_reasons(platform: BedrockPlatform, fake: FakeBedrock) -> None:
    platform.apply(platform.render(make_bedrock_release()))

    def break_it(bedrock: FakeBedrock) -> None:
        next(iter(bedrock.agents.values())).fields.pop("instruction")

    fake.before["PrepareAgent"] = break_it
    with pytest.raises(PlatformError, match="preparing the draft: the agent FAILED: instruction"):
        platform.apply(platform.render(make_bedrock_release(instructions=CHANGED)))


def test_preparing_has_a_deadline(connect: Connect, fake: FakeBedrock) -> None:
    fake.prepare_ticks = 10_000
    base = connect()
    ticks = iter(range(0, 10_000, 60))
    clients = dataclasses.replace(base.clients, clock=lambda: float(next(ticks)))
    platform = BedrockPlatform(clients, base.options)
    with pytest.raises(PlatformError, match="preparing the draft: still not done after 300s"):
        platform.apply(platform.render(make_bedrock_release()))
    assert 3 <= fake.calls.count("GetAgent") <= 8


def test_throttling_is_retried_by_botocore(
    connect: Connect, fake: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # botocore's backoff, not waited
    platform = connect(max_attempts=3)
    fake.fail("CreateAgent", "ThrottlingException", 429, times=2)
    assert platform.apply(platform.render(make_bedrock_release()))["version"] == "1"
    assert fake.calls[:4] == ["ListAgents", "CreateAgent", "CreateAgent", "CreateAgent"]
    fake.fail("ListAgentVersions", "ThrottlingException", 429, times=3)
    fake.calls.clear()
    with pytest.raises(PlatformError, match="ListAgentVersions: ThrottlingException"):
        platform.apply(platform.render(make_bedrock_release()))


def test_a_promote_against_the_fake_is_fast(platform: BedrockPlatform, fake: FakeBedrock) -> None:
    started = time.perf_counter()
    platform.apply(platform.render(make_bedrock_release()))
    first = time.perf_counter() - started
    started = time.perf_counter()
    platform.apply(platform.render(make_bedrock_release(instructions=CHANGED)))
    second = time.perf_counter() - started
    assert first < 2 and second < 2, (first, second)  # generous: the whole wire path, in process


def test_a_version_with_a_copied_stamp_is_not_this_release(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    rendered = platform.render(make_bedrock_release())
    platform.apply(rendered)
    agent = next(iter(fake.agents.values()))
    agent.versions["2"] = {**agent.versions["1"], "instruction": CHANGED}  # made in the console
    agent.groups["2"], agent.bases["2"] = agent.groups["1"], agent.bases["1"]
    assert platform.find_version(rendered, hint="2") == "1"  # read whole: 2 is not it
    del agent.versions["1"]
    assert platform.find_version(rendered) is None  # so apply makes a new version
