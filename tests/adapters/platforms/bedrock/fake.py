"""An in-process AWS Bedrock Agents (control plane and runtime) behind botocore's `before-send`.

Attached to real boto3 clients, it answers each request after botocore serialized and signed it,
and botocore parses its reply: the SDK's whole wire path runs, only the socket is missing. It
keeps AWS's lifecycle as the Bedrock docs describe it (and moto does not): a new agent is DRAFT
and CREATING, then NOT_PREPARED; every change to the draft makes it NOT_PREPARED and is refused
while it is PREPARING; PrepareAgent takes a few requests to finish; a numbered version is made
only by an alias created or updated without routing, as a snapshot of a PREPARED draft; routing
goes only to versions that exist; UpdateAgent replaces every field it is not sent. Every request
is checked against the service model (`wire`); what does not fit is in `violations`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from tests.adapters.platforms.bedrock import wire

ACCOUNT = "123456789012"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
TEST_ALIAS = "TSTALIASID"
PAGE = 10  # the most a List answers at once (the model's list shapes say 10)


class Crash(Exception):
    """The client dies right after AWS carried out its call (the reply never arrives)."""


class AwsError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def conflict(message: str) -> AwsError:
    return AwsError("ConflictException", message, 409)


def not_found(message: str) -> AwsError:
    return AwsError("ResourceNotFoundException", message, 404)


@dataclass
class Agent:
    id: str
    arn: str
    fields: dict[str, Any]
    tags: dict[str, str]
    status: str = "CREATING"
    settles: tuple[int, str] | None = None  # (at tick, to status)
    prepared_at: datetime | None = None
    failure: list[str] = field(default_factory=list)
    groups: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {"DRAFT": {}})
    bases: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {"DRAFT": {}})
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)
    aliases: dict[str, dict[str, Any]] = field(default_factory=dict)


class FakeBedrock:
    def __init__(self, region: str = "us-east-1", *, prepare_ticks: int = 2) -> None:
        self.region = region
        self.prepare_ticks = prepare_ticks
        self.agents: dict[str, Agent] = {}
        self.knowledge_base_ids: set[str] = set()
        self.calls: list[str] = []
        self.requests: list[AWSPreparedRequest] = []
        self.violations: list[str] = []
        self.faults: dict[str, list[tuple[str, int]]] = {}  # operation -> errors to answer
        self.crash_after: set[str] = set()
        self.before: dict[str, Callable[[FakeBedrock], None]] = {}  # someone else, meanwhile
        self.answers: Callable[[dict[str, Any], str], Iterable[dict[str, Any]]] | None = None
        self.tick = 0
        self._serial = 0

    def attach(self, *clients: Any) -> None:
        for client in clients:
            model = client.meta.service_model
            client.meta.events.register("before-send", functools.partial(self._handle, model))

    def fail(self, operation: str, code: str, status: int, *, times: int = 1) -> None:
        self.faults.setdefault(operation, []).extend([(code, status)] * times)

    # ------------------------------------------------------------ the wire

    def _handle(
        self, model: Any, request: AWSPreparedRequest, event_name: str, **_: Any
    ) -> AWSResponse:
        name = event_name.rsplit(".", 1)[1]
        operation = model.operation_model(name)
        self.tick += 1
        self.calls.append(name)
        self.requests.append(request)
        self._settle()
        if not _signed(request.headers.get("Authorization"), self.region):
            self.violations.append(f"{name}: not signed with SigV4 for bedrock in {self.region}")
        try:
            params = wire.read_request(operation, request)
        except wire.Violation as e:
            self.violations.append(str(e))
            return wire.error("ValidationException", str(e), 400, request.url)
        problems = wire.check(operation.input_shape, params)
        if problems:
            self.violations.extend(f"{name}: {p}" for p in problems)
            return wire.error("ValidationException", "; ".join(problems), 400, request.url)
        if self.faults.get(name):
            code, status = self.faults[name].pop(0)
            return wire.error(code, f"injected {code}", status, request.url)
        if name in self.before:
            self.before.pop(name)(self)
        handler = getattr(self, f"_{name}", None)
        if handler is None:
            self.violations.append(f"{name}: the fake does not implement it")
            return wire.error("UnknownOperationException", name, 400, request.url)
        try:
            output = handler(**params)
        except AwsError as e:
            return wire.error(e.code, e.message, e.status, request.url)
        response = wire.reply(operation, output, request.url)
        if name in self.crash_after:
            self.crash_after.discard(name)
            raise Crash(name)
        return response

    def _settle(self) -> None:
        for agent in self.agents.values():
            if agent.settles and self.tick >= agent.settles[0]:
                agent.status, agent.settles = agent.settles[1], None
                if agent.status == "PREPARED":
                    agent.prepared_at = NOW
            for alias in agent.aliases.values():
                if alias.get("_settles") and self.tick >= alias["_settles"]:
                    alias["agentAliasStatus"] = "PREPARED"
                    del alias["_settles"]

    def _id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial:08d}"

    # ------------------------------------------------------------ agents

    def _agent(self, agent_id: str) -> Agent:
        if agent_id not in self.agents:
            raise not_found(f"no agent {agent_id}")
        return self.agents[agent_id]

    def _draft(self, agent_id: str) -> Agent:
        """The agent, for a change to its draft: refused while it is busy."""
        agent = self._agent(agent_id)
        if agent.status in ("CREATING", "PREPARING", "VERSIONING", "DELETING"):
            raise conflict(f"agent {agent_id} is {agent.status}")
        agent.status = "NOT_PREPARED"
        return agent

    def _agent_out(self, agent: Agent) -> dict[str, Any]:
        out = {
            "agentId": agent.id,
            "agentArn": agent.arn,
            "agentVersion": "DRAFT",
            "agentStatus": agent.status,
            "idleSessionTTLInSeconds": 600,
            "createdAt": NOW,
            "updatedAt": NOW,
            **agent.fields,
        }
        if agent.prepared_at:
            out["preparedAt"] = agent.prepared_at
        if agent.failure:
            out["failureReasons"] = agent.failure
        return {"agent": out}

    def _CreateAgent(self, clientToken: str = "", tags: Any = None, **fields: Any) -> Any:
        if any(a.fields["agentName"] == fields["agentName"] for a in self.agents.values()):
            raise conflict(f"an agent named {fields['agentName']} exists")
        agent_id = self._id("AG")
        arn = f"arn:aws:bedrock:{self.region}:{ACCOUNT}:agent/{agent_id}"
        agent = Agent(
            agent_id, arn, fields, dict(tags or {}), settles=(self.tick + 1, "NOT_PREPARED")
        )
        test = {"agentAliasId": TEST_ALIAS, "agentAliasName": "AgentTestAlias"}
        agent.aliases[TEST_ALIAS] = {
            **test,
            "routingConfiguration": [{"agentVersion": "DRAFT"}],
            "agentAliasStatus": "PREPARED",
        }
        self.agents[agent_id] = agent
        return self._agent_out(agent)

    def _GetAgent(self, agentId: str) -> Any:
        return self._agent_out(self._agent(agentId))

    def _UpdateAgent(self, agentId: str, **fields: Any) -> Any:
        agent = self._draft(agentId)
        agent.fields = fields  # a full replacement: what was not sent is gone
        return self._agent_out(agent)

    def _ListAgents(self, maxResults: int = PAGE, nextToken: str = "0") -> Any:
        summaries = [
            {
                "agentId": a.id,
                "agentName": a.fields["agentName"],
                "agentStatus": a.status,
                "updatedAt": NOW,
            }
            for a in self.agents.values()
        ]
        return _page("agentSummaries", summaries, maxResults, nextToken)

    def _PrepareAgent(self, agentId: str) -> Any:
        agent = self._draft(agentId)
        missing = [
            k
            for k in ("foundationModel", "instruction", "agentResourceRoleArn")
            if not agent.fields.get(k)
        ]
        agent.failure = [f"{k} is missing" for k in missing]
        agent.status = "PREPARING"
        agent.settles = (self.tick + self.prepare_ticks, "FAILED" if missing else "PREPARED")
        return {
            "agentId": agentId,
            "agentStatus": agent.status,
            "agentVersion": "DRAFT",
            "preparedAt": NOW,
        }

    # ------------------------------------------------------------ versions

    def _snapshot(self, agent: Agent) -> str:
        if agent.status != "PREPARED":
            raise AwsError("ValidationException", f"the draft is {agent.status}, not PREPARED")
        number = str(max((int(v) for v in agent.versions), default=0) + 1)
        keep = set(_VERSION_FIELDS)
        agent.versions[number] = {k: v for k, v in agent.fields.items() if k in keep}
        agent.groups[number] = {
            k: {**g, "agentVersion": number} for k, g in agent.groups["DRAFT"].items()
        }
        agent.bases[number] = {k: dict(b) for k, b in agent.bases["DRAFT"].items()}
        return number

    def _version(self, agent: Agent, number: str) -> dict[str, Any]:
        if number not in agent.versions:
            raise not_found(f"agent {agent.id} has no version {number}")
        return agent.versions[number]

    def _GetAgentVersion(self, agentId: str, agentVersion: str) -> Any:
        agent = self._agent(agentId)
        snapshot = self._version(agent, agentVersion)
        return {
            "agentVersion": {
                "agentId": agent.id,
                "agentArn": agent.arn,
                "version": agentVersion,
                "agentStatus": "PREPARED",
                "idleSessionTTLInSeconds": 600,
                "createdAt": NOW,
                "updatedAt": NOW,
                **snapshot,
            }
        }

    def _ListAgentVersions(self, agentId: str, maxResults: int = PAGE, nextToken: str = "0") -> Any:
        agent = self._agent(agentId)
        rows = [("DRAFT", agent.status, agent.fields)]
        rows += [(n, "PREPARED", v) for n, v in agent.versions.items()]
        summaries = [
            {
                "agentName": f["agentName"],
                "agentStatus": status,
                "agentVersion": n,
                "createdAt": NOW,
                "updatedAt": NOW,
                **({"description": f["description"]} if f.get("description") else {}),
            }
            for n, status, f in rows
        ]
        return _page("agentVersionSummaries", summaries, maxResults, nextToken)

    def _DeleteAgentVersion(self, agentId: str, agentVersion: str, **_: Any) -> Any:
        agent = self._agent(agentId)
        self._version(agent, agentVersion)
        del agent.versions[agentVersion]
        return {"agentId": agentId, "agentVersion": agentVersion, "agentStatus": "DELETING"}

    # ------------------------------------------------------------ action groups

    def _groups(self, agentId: str, agentVersion: str) -> dict[str, dict[str, Any]]:
        agent = self._agent(agentId)
        if agentVersion not in agent.groups:
            raise not_found(f"agent {agentId} has no version {agentVersion}")
        return agent.groups[agentVersion]

    def _group_out(self, agentId: str, group: dict[str, Any]) -> Any:
        out = {k: v for k, v in group.items() if k != "parentActionGroupSignature"}
        if "parentActionGroupSignature" in group:  # answered under another name (the model)
            out["parentActionSignature"] = group["parentActionGroupSignature"]
        return {
            "agentActionGroup": {
                "agentId": agentId,
                "createdAt": NOW,
                "updatedAt": NOW,
                "actionGroupState": "ENABLED",
                **out,
            }
        }

    def _check_group(self, fields: dict[str, Any]) -> None:
        schemas = [k for k in ("functionSchema", "apiSchema") if k in fields]
        builtin = "parentActionGroupSignature" in fields
        if len(schemas) > 1 or (not builtin and "actionGroupExecutor" not in fields):
            raise AwsError("ValidationException", f"bad action group {fields['actionGroupName']}")

    def _CreateAgentActionGroup(
        self, agentId: str, agentVersion: str, clientToken: str = "", **fields: Any
    ) -> Any:
        self._check_group(fields)
        groups = self._groups(agentId, agentVersion)
        if any(g["actionGroupName"] == fields["actionGroupName"] for g in groups.values()):
            raise conflict(f"action group {fields['actionGroupName']} exists")
        self._draft(agentId)
        group_id = self._id("GR")
        groups[group_id] = {**fields, "actionGroupId": group_id, "agentVersion": agentVersion}
        return self._group_out(agentId, groups[group_id])

    def _UpdateAgentActionGroup(
        self, agentId: str, agentVersion: str, actionGroupId: str, **fields: Any
    ) -> Any:
        self._check_group(fields)
        groups = self._groups(agentId, agentVersion)
        if actionGroupId not in groups:
            raise not_found(f"no action group {actionGroupId}")
        self._draft(agentId)
        groups[actionGroupId] = {
            **fields,
            "actionGroupId": actionGroupId,
            "agentVersion": agentVersion,
        }
        return self._group_out(agentId, groups[actionGroupId])

    def _DeleteAgentActionGroup(
        self, agentId: str, agentVersion: str, actionGroupId: str, **_: Any
    ) -> Any:
        groups = self._groups(agentId, agentVersion)
        if actionGroupId not in groups:
            raise not_found(f"no action group {actionGroupId}")
        self._draft(agentId)
        del groups[actionGroupId]
        return {}

    def _GetAgentActionGroup(self, agentId: str, agentVersion: str, actionGroupId: str) -> Any:
        groups = self._groups(agentId, agentVersion)
        if actionGroupId not in groups:
            raise not_found(f"no action group {actionGroupId}")
        return self._group_out(agentId, groups[actionGroupId])

    def _ListAgentActionGroups(
        self, agentId: str, agentVersion: str, maxResults: int = PAGE, nextToken: str = "0"
    ) -> Any:
        summaries = [
            {
                "actionGroupId": g["actionGroupId"],
                "actionGroupName": g["actionGroupName"],
                "actionGroupState": g.get("actionGroupState", "ENABLED"),
                "updatedAt": NOW,
            }
            for g in self._groups(agentId, agentVersion).values()
        ]
        return _page("actionGroupSummaries", summaries, maxResults, nextToken)

    # ------------------------------------------------------------ knowledge bases

    def _bases(self, agentId: str, agentVersion: str) -> dict[str, dict[str, Any]]:
        agent = self._agent(agentId)
        if agentVersion not in agent.bases:
            raise not_found(f"agent {agentId} has no version {agentVersion}")
        return agent.bases[agentVersion]

    def _base_out(self, agentId: str, agentVersion: str, base: dict[str, Any]) -> Any:
        return {
            "agentKnowledgeBase": {
                "agentId": agentId,
                "agentVersion": agentVersion,
                "createdAt": NOW,
                "updatedAt": NOW,
                **base,
            }
        }

    def _AssociateAgentKnowledgeBase(
        self,
        agentId: str,
        agentVersion: str,
        knowledgeBaseId: str,
        description: str,
        knowledgeBaseState: str = "ENABLED",
    ) -> Any:
        if knowledgeBaseId not in self.knowledge_base_ids:
            raise not_found(f"no knowledge base {knowledgeBaseId}")
        bases = self._bases(agentId, agentVersion)
        if knowledgeBaseId in bases:
            raise conflict(f"{knowledgeBaseId} is associated already")
        self._draft(agentId)
        bases[knowledgeBaseId] = {
            "knowledgeBaseId": knowledgeBaseId,
            "description": description,
            "knowledgeBaseState": knowledgeBaseState,
        }
        return self._base_out(agentId, agentVersion, bases[knowledgeBaseId])

    def _UpdateAgentKnowledgeBase(
        self, agentId: str, agentVersion: str, knowledgeBaseId: str, **fields: Any
    ) -> Any:
        bases = self._bases(agentId, agentVersion)
        if knowledgeBaseId not in bases:
            raise not_found(f"{knowledgeBaseId} is not associated")
        self._draft(agentId)
        bases[knowledgeBaseId].update(fields)
        return self._base_out(agentId, agentVersion, bases[knowledgeBaseId])

    def _DisassociateAgentKnowledgeBase(
        self, agentId: str, agentVersion: str, knowledgeBaseId: str
    ) -> Any:
        bases = self._bases(agentId, agentVersion)
        if knowledgeBaseId not in bases:
            raise not_found(f"{knowledgeBaseId} is not associated")
        self._draft(agentId)
        del bases[knowledgeBaseId]
        return {}

    def _ListAgentKnowledgeBases(
        self, agentId: str, agentVersion: str, maxResults: int = PAGE, nextToken: str = "0"
    ) -> Any:
        summaries = [{**b, "updatedAt": NOW} for b in self._bases(agentId, agentVersion).values()]
        return _page("agentKnowledgeBaseSummaries", summaries, maxResults, nextToken)

    # ------------------------------------------------------------ aliases

    def _routing(self, agent: Agent, routing: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        if not routing:
            return [{"agentVersion": self._snapshot(agent)}]
        version = routing[0]["agentVersion"]
        if version == "DRAFT":
            raise AwsError("ValidationException", "only the test alias routes to DRAFT")
        self._version(agent, version)
        return [{"agentVersion": version}]

    def _alias_out(self, agent: Agent, alias: dict[str, Any]) -> Any:
        arn = f"arn:aws:bedrock:{self.region}:{ACCOUNT}:agent-alias/"
        arn += f"{agent.id}/{alias['agentAliasId']}"
        out = {k: v for k, v in alias.items() if not k.startswith("_")}
        return {
            "agentAlias": {
                "agentId": agent.id,
                "agentAliasArn": arn,
                "createdAt": NOW,
                "updatedAt": NOW,
                **out,
            }
        }

    def _CreateAgentAlias(
        self,
        agentId: str,
        agentAliasName: str,
        clientToken: str = "",
        tags: Any = None,
        routingConfiguration: Any = None,
        **fields: Any,
    ) -> Any:
        agent = self._agent(agentId)
        if any(a["agentAliasName"] == agentAliasName for a in agent.aliases.values()):
            raise conflict(f"alias {agentAliasName} exists")
        alias_id = self._id("AL")
        agent.aliases[alias_id] = {
            "agentAliasId": alias_id,
            "agentAliasName": agentAliasName,
            **fields,
            "routingConfiguration": self._routing(agent, routingConfiguration),
            "agentAliasStatus": "CREATING",
            "_settles": self.tick + 1,
            "_tags": dict(tags or {}),
        }
        return self._alias_out(agent, agent.aliases[alias_id])

    def _UpdateAgentAlias(
        self,
        agentId: str,
        agentAliasId: str,
        agentAliasName: str,
        routingConfiguration: Any = None,
        **fields: Any,
    ) -> Any:
        agent = self._agent(agentId)
        if agentAliasId == TEST_ALIAS:
            raise AwsError("ValidationException", "the test alias cannot be updated")
        alias = agent.aliases.get(agentAliasId)
        if alias is None:
            raise not_found(f"no alias {agentAliasId}")
        if alias["agentAliasStatus"] != "PREPARED":
            raise conflict(f"alias {agentAliasId} is {alias['agentAliasStatus']}")
        alias["routingConfiguration"] = self._routing(agent, routingConfiguration)
        alias.update(
            agentAliasName=agentAliasName,
            agentAliasStatus="UPDATING",
            _settles=self.tick + 1,
            **fields,
        )
        return self._alias_out(agent, alias)

    def _GetAgentAlias(self, agentId: str, agentAliasId: str) -> Any:
        agent = self._agent(agentId)
        if agentAliasId not in agent.aliases:
            raise not_found(f"no alias {agentAliasId}")
        return self._alias_out(agent, agent.aliases[agentAliasId])

    def _ListAgentAliases(self, agentId: str, maxResults: int = PAGE, nextToken: str = "0") -> Any:
        agent = self._agent(agentId)
        keys = (
            "agentAliasId",
            "agentAliasName",
            "description",
            "routingConfiguration",
            "agentAliasStatus",
        )
        summaries = [
            {**{k: a[k] for k in keys if k in a}, "createdAt": NOW, "updatedAt": NOW}
            for a in agent.aliases.values()
        ]
        return _page("agentAliasSummaries", summaries, maxResults, nextToken)

    # ------------------------------------------------------------ tags

    def _tagged(self, arn: str) -> dict[str, str]:
        for agent in self.agents.values():
            if agent.arn == arn:
                return agent.tags
            for alias in agent.aliases.values():
                if arn.endswith(f"agent-alias/{agent.id}/{alias['agentAliasId']}"):
                    return alias.setdefault("_tags", {})  # type: ignore[no-any-return]
        raise not_found(f"no resource {arn}")

    def _ListTagsForResource(self, resourceArn: str) -> Any:
        return {"tags": dict(self._tagged(resourceArn))}

    def _TagResource(self, resourceArn: str, tags: dict[str, str]) -> Any:
        self._tagged(resourceArn).update(tags)
        return {}

    # ------------------------------------------------------------ runtime

    def _InvokeAgent(
        self, agentId: str, agentAliasId: str, sessionId: str, inputText: str = "", **_: Any
    ) -> Any:
        agent = self._agent(agentId)
        alias = agent.aliases.get(agentAliasId)
        if alias is None:
            raise not_found(f"no alias {agentAliasId}")
        version = alias["routingConfiguration"][0]["agentVersion"]
        answer = self.answers or _echo
        running = {
            "version": version,
            "groups": agent.groups[version],
            "instruction": agent.versions[version]["instruction"],
            "agent_name": agent.versions[version]["agentName"],
        }
        events = list(answer(running, inputText))
        return {"completion": events, "contentType": "application/json", "sessionId": sessionId}

    def _InvokeInlineAgent(
        self,
        sessionId: str,
        instruction: str,
        inputText: str = "",
        actionGroups: Any = (),
        agentName: str = "",
        **_: Any,
    ) -> Any:
        groups = {g["actionGroupName"]: g for g in actionGroups}
        answer = self.answers or _echo
        running = {
            "version": "inline",
            "groups": groups,
            "instruction": instruction,
            "agent_name": agentName,
        }
        events = list(answer(running, inputText))
        return {"completion": events, "contentType": "application/json", "sessionId": sessionId}


_VERSION_FIELDS = (
    "agentName",
    "instruction",
    "foundationModel",
    "description",
    "idleSessionTTLInSeconds",
    "agentResourceRoleArn",
    "customerEncryptionKeyArn",
    "promptOverrideConfiguration",
    "guardrailConfiguration",
    "memoryConfiguration",
    "agentCollaboration",
)


def _echo(running: dict[str, Any], text: str) -> Iterable[dict[str, Any]]:
    """The fake agent: says which version answered; `call NAME k=v` returns control."""
    if text.startswith("call "):
        name, *pairs = text.split()[1:]
        params = [
            {"name": k, "type": "string", "value": v} for k, v in (p.split("=") for p in pairs)
        ]
        group = next(g for g in running["groups"].values() if g["actionGroupName"] == name)
        call = {"actionGroup": name, "function": name, "parameters": params}
        assert group["actionGroupExecutor"] == {"customControl": "RETURN_CONTROL"}
        yield {
            "returnControl": {
                "invocationId": "inv-1",
                "invocationInputs": [{"functionInvocationInput": call}],
            }
        }
        return
    yield {"chunk": {"bytes": f"version {running['version']}: ".encode()}}
    yield {"chunk": {"bytes": text.encode()}}


def _signed(header: Any, region: str) -> bool:
    """SigV4 with the service's signing name, `bedrock` (both services sign as it)."""
    text = header.decode() if isinstance(header, bytes) else str(header or "")
    return text.startswith("AWS4-HMAC-SHA256 Credential=") and (
        f"/{region}/bedrock/aws4_request" in text
    )


def _page(key: str, items: list[dict[str, Any]], size: int, token: str) -> dict[str, Any]:
    start, size = int(token), min(size, PAGE)
    out: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        out["nextToken"] = str(start + size)
    return out
