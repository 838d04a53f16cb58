"""The fake's own checks: requests off the wire against the service model, signatures,
endpoints, event-stream frames that botocore's decoder accepts. So the other tests can trust it."""

from __future__ import annotations

from datetime import datetime

import pytest
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import ClientError
from botocore.session import Session

from agentcd.adapters.platforms.bedrock import BedrockPlatform
from tests.adapters.platforms.bedrock import wire
from tests.adapters.platforms.bedrock.conftest import Connect, make_bedrock_release
from tests.adapters.platforms.bedrock.fake import FakeBedrock

MODEL = Session().get_service_model("bedrock-agent")


def test_a_request_outside_the_model_is_refused_and_recorded(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    client = platform.clients.agent
    with pytest.raises(ClientError, match="ValidationException"):
        client.create_agent(agentName="not a name", description="x" * 201)
    # botocore's client checks types, required members and minimums; the rest is the fake's
    assert fake.violations == [
        "CreateAgent: CreateAgentRequest.agentName: 'not a name' does not match "
        "([0-9a-zA-Z][_-]?){1,100}",
        "CreateAgent: CreateAgentRequest.description: 201 is over the maximum 200",
    ]
    assert fake.agents == {}
    fake.violations.clear()


def test_the_checks_cover_enums_ranges_lists_and_unknown_members() -> None:
    shape = MODEL.operation_model("UpdateAgent").input_shape
    problems = wire.check(
        shape,
        {
            "agentId": "AG00000001",
            "agentName": "a",
            "foundationModel": "anthropic.claude-v2",
            "agentResourceRoleArn": "arn:aws:iam::123456789012:role/r",
            "agentCollaboration": "CHAOS",
            "idleSessionTTLInSeconds": 5,
            "memoryConfiguration": {"enabledMemoryTypes": []},
            "surprise": True,
        },
    )
    assert problems == [
        "UpdateAgentRequest.agentCollaboration: 'CHAOS' is not one of "
        "['SUPERVISOR', 'SUPERVISOR_ROUTER', 'DISABLED']",
        "UpdateAgentRequest.idleSessionTTLInSeconds: 5 is under the minimum 60",
        "UpdateAgentRequest.memoryConfiguration.enabledMemoryTypes: 0 is under the minimum 1",
        "UpdateAgentRequest.surprise: not in UpdateAgentRequest",
    ]


def test_a_reply_outside_the_model_is_the_fakes_bug() -> None:
    operation = MODEL.operation_model("GetAgentAlias")
    with pytest.raises(wire.Violation, match="agentAliasStatus: required"):
        wire.reply(operation, {"agentAlias": {"agentId": "AG00000001"}}, "http://127.0.0.1:9")


def test_every_request_is_signed_for_bedrock_and_sent_to_the_endpoint_given(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    platform.apply(platform.render(make_bedrock_release()))
    platform.invoke("triage", "prod", {"messages": [{"role": "user", "content": "hi"}]})
    for request in fake.requests:
        assert request.url.startswith("http://127.0.0.1:9/")
        auth = request.headers["Authorization"].decode()
        assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIAFAKEKEY000000000/")
        assert "/us-east-1/bedrock/aws4_request" in auth
        assert "agentcd" in request.headers["User-Agent"].decode()


def test_boto3_takes_the_endpoints_from_its_variables(
    connect: Connect, fake: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_AGENT", "http://127.0.0.1:4000")
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME", "http://127.0.0.1:4001")
    platform = connect(endpoint_url=None, runtime_endpoint_url=None)
    platform.apply(platform.render(make_bedrock_release()))
    platform.invoke("triage", "prod", {"messages": [{"role": "user", "content": "hi"}]})
    hosts = {r.url.split("/agents")[0] for r in fake.requests}
    assert hosts == {"http://127.0.0.1:4000", "http://127.0.0.1:4001"}
    fake.requests.clear()
    connect(endpoint_url="http://127.0.0.1:4002").read_live("triage", "prod")  # the target wins
    assert {r.url.split("/agents")[0] for r in fake.requests} == {"http://127.0.0.1:4002"}


def test_event_frames_pass_botocores_decoder() -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(wire.event_frame({"chunk": {"bytes": b"hello"}}))
    buffer.add_data(wire.event_frame({"error": ("throttlingException", "slow")}))
    first, second = list(buffer)
    assert first.headers[":event-type"] == "chunk"
    assert first.payload == b'{"bytes": "aGVsbG8="}'
    assert second.headers[":exception-type"] == "throttlingException"


def test_timestamps_are_sent_as_aws_does() -> None:
    when = datetime.fromisoformat("2026-12-03T12:00:00+00:00")
    assert wire._jsonable({"at": when}) == {"at": "2026-12-03T12:00:00Z"}
