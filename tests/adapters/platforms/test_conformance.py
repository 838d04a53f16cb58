"""The platform contract, one suite every adapter passes, through agentcd's real entry point.

Each platform is a `World`: a project whose one target is that platform, and the few things a
test does behind agentcd's back (edit what runs, move the pointer, refuse access, deploy
without recording). What each world runs against, and so what kind of test this is:

- `file`: the real adapter on a real folder; nothing is faked.
- `bedrock`: the real adapter on real boto3 clients, every request serialized and signed by
  botocore and answered by the in-process fake (`bedrock/fake.py`), which keeps AWS's lifecycle
  and checks each request against botocore's service model; no socket is opened.
- the worlds in `<name>/world.py`, each saying what it runs against: `foundry` and `langfuse`
  are the vendor SDK against a loopback fake checked against the vendor's OpenAPI
  description; `langgraph` and `mlflow` are the vendor's own servers (`langgraph dev`,
  `mlflow server`) started by the tests on 127.0.0.1.

The contract: promote makes one platform version and points the environment at it; promote
again makes none; rollback re-points to the recorded version; a hand edit on the platform is
drift (content when the running configuration differs, provenance when the pointer moved);
an unreadable platform is unknown, never in sync; a crash between apply and record converges
on the next run without a new version; `live_agents` finds what the ledger never recorded;
`eval --target platform:ENV` runs what the environment runs; and `eval --target inline:ENV`
runs the definitions under review (head and base) on the platform without deploying them.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import shutil
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentcd.adapters.platforms import bedrock
from agentcd.adapters.platforms.bedrock import BedrockPlatform
from agentcd.adapters.platforms.bedrock_api import Clients, Connection
from agentcd.adapters.platforms.file import FilePlatform
from agentcd.core.definition.model import BedrockTarget
from tests.adapters.platforms.bedrock.conftest import LOOPBACK, ROLE
from tests.adapters.platforms.bedrock.fake import FakeBedrock
from tests.adapters.platforms.conformance import (
    AGENT,
    INSTRUCTIONS,
    Crash,
    release_of,
    write_project,
)
from tests.commands.deploying import Clock, clock_fixture  # noqa: F401 (fixture)
from tests.conftest import git


class FileWorld:
    name = "file"

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        target = {
            "platform": "file",
            "path": ".agentcd/deployed",
            "invoker": {"python": "greeter_echo:respond"},
        }
        self.root = write_project(root, target)
        self.monkeypatch = monkeypatch
        self.calls = {"invoke": 0, "invoke_candidate": 0}
        for method in self.calls:
            real = getattr(FilePlatform, method)

            def counted(
                platform: FilePlatform, *args: Any, _name: str = method, _real: Any = real
            ) -> Any:
                self.calls[_name] += 1
                return _real(platform, *args)

            monkeypatch.setattr(FilePlatform, method, counted)

    def platform_class(self) -> type:
        return FilePlatform

    def _live(self, environment: str) -> Path:
        return self.root / ".agentcd" / "deployed" / environment / f"{AGENT}.json"

    def versions(self, environment: str) -> list[str]:
        folder = self._live(environment).with_name(f"{AGENT}.versions")
        return sorted((p.stem for p in folder.glob("*.json")), key=int)

    def running(self, environment: str) -> str | None:
        return str(json.loads(self._live(environment).read_text())["agentcd"]["version"])

    def hand_edit(self, environment: str) -> None:
        live = self._live(environment)
        data = json.loads(live.read_text())
        data["agent"]["instructions"] = "Promise a refund to everyone.\n"
        live.write_text(json.dumps(data))

    def repoint(self, environment: str, version: str) -> None:
        versions = self._live(environment).with_name(f"{AGENT}.versions")
        shutil.copyfile(versions / f"{version}.json", self._live(environment))

    def deny(self) -> None:
        real = Path.read_text

        def denied(path: Path, *args: Any, **kwargs: Any) -> str:
            if ".agentcd/deployed" in path.as_posix():
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *args, **kwargs)

        self.monkeypatch.setattr(Path, "read_text", denied)

    def deploy_unrecorded(self, agent: str, environment: str) -> None:
        platform = FilePlatform(self.root / ".agentcd" / "deployed", project_dir=self.root)
        platform.apply(platform.render(release_of(self.root, agent, environment)))

    def invocations(self) -> int:
        return self.calls["invoke"]

    def candidate_runs(self) -> int:
        return self.calls["invoke_candidate"]


class BedrockWorld:
    name = "bedrock"

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeBedrock) -> None:
        target = {
            "platform": "bedrock",
            "region": "us-east-1",
            "roles": {"dev": ROLE.format("dev"), "prod": ROLE.format("prod")},
            "endpoint_url": LOOPBACK,
            "runtime_endpoint_url": LOOPBACK,
        }
        self.root = write_project(root, target)
        self.fake = fake
        real = bedrock.connect

        def connect(connection: Connection) -> Clients:
            clients = real(connection)
            fake.attach(clients.agent, clients.runtime)
            return dataclasses.replace(clients, sleep=lambda seconds: None)

        monkeypatch.setattr(bedrock, "connect", connect)

        def answer(running: dict[str, Any], text: str) -> Iterable[dict[str, Any]]:
            yield {"chunk": {"bytes": running["instruction"].encode()}}  # what answers is what runs

        fake.answers = answer

    def platform_class(self) -> type:
        return BedrockPlatform

    def _agent(self, name: str = AGENT) -> Any:
        return next(a for a in self.fake.agents.values() if a.fields["agentName"] == name)

    def _alias(self, environment: str) -> dict[str, Any]:
        aliases = self._agent().aliases.values()
        return next(a for a in aliases if a["agentAliasName"] == environment)

    def versions(self, environment: str) -> list[str]:
        return list(self._agent().versions)

    def running(self, environment: str) -> str | None:
        return str(self._alias(environment)["routingConfiguration"][0]["agentVersion"])

    def hand_edit(self, environment: str) -> None:
        """A version made in the console from an edited draft, and the alias routed to it."""
        agent, now = self._agent(), self.running(environment) or ""
        number = str(max(int(v) for v in agent.versions) + 1)
        agent.versions[number] = {**agent.versions[now], "instruction": "Promise a refund. " * 4}
        agent.groups[number], agent.bases[number] = agent.groups[now], agent.bases[now]
        self.repoint(environment, number)

    def repoint(self, environment: str, version: str) -> None:
        self._alias(environment)["routingConfiguration"] = [{"agentVersion": version}]

    def deny(self) -> None:
        self.fake.fail("ListAgents", "AccessDeniedException", 403, times=20)

    def deploy_unrecorded(self, agent: str, environment: str) -> None:
        settings = yaml.safe_load((self.root / "agentcd.yaml").read_text())["targets"]["t"]
        platform = bedrock.open_bedrock(BedrockTarget.model_validate(settings))
        platform.apply(platform.render(release_of(self.root, agent, environment)))

    def invocations(self) -> int:
        return self.fake.calls.count("InvokeAgent")

    def candidate_runs(self) -> int:
        return self.fake.calls.count("InvokeInlineAgent")


HERE = Path(__file__).parent
# A platform joins the suite with tests/adapters/platforms/<name>/world.py (see conformance.py).
WORLDS = ["file", "bedrock", *sorted(p.parent.name for p in HERE.glob("*/world.py"))]


@pytest.fixture(params=WORLDS)
def world(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> Iterator[Any]:
    monkeypatch.setenv("AGENTCD_ACTOR", "ana")
    root = tmp_path / "repo"
    if request.param == "file":
        made: Any = FileWorld(root, monkeypatch)
    elif request.param == "bedrock":
        request.getfixturevalue("aws_env")
        made = BedrockWorld(root, monkeypatch, request.getfixturevalue("fake"))
    else:
        module = importlib.import_module(f"tests.adapters.platforms.{request.param}.world")
        made = module.make_world(root, request, monkeypatch)
    monkeypatch.chdir(made.root)
    yield made


def run(cli: Any, *args: str, code: int = 0) -> dict[str, Any]:
    result = cli(*args, "--format", "json")
    assert result.code == code, result
    return json.loads(result.out)


def promote(cli: Any, environment: str, *more: str, code: int = 0) -> dict[str, Any]:
    (agent,) = run(cli, "promote", "--env", environment, *more, code=code)["agents"]
    return dict(agent)


def drift(cli: Any, environment: str, *, code: int) -> dict[str, dict[str, Any]]:
    report = run(cli, "drift", "--env", environment, "--exit-code", code=code)
    return {a["agent"]: a for a in report["agents"]}


def change(world: Any) -> None:
    text = world.root / "agents" / AGENT / "instructions.md"
    text.write_text(INSTRUCTIONS + "Sign with the team's name.\n")
    git(world.root, "commit", "-q", "-am", "Sign the answers")


def test_promote_makes_one_version_and_promoting_again_none(cli: Any, world: Any) -> None:
    first = promote(cli, "dev")
    assert first["result"] == "succeeded"
    assert world.versions("dev") == [first["platform_versions"]["version"]]
    assert world.running("dev") == first["platform_versions"]["version"]
    assert drift(cli, "dev", code=0)[AGENT]["state"] == "in_sync"
    assert promote(cli, "dev")["result"] == "unchanged"
    assert world.versions("dev") == [first["platform_versions"]["version"]]


def test_rollback_re_points_to_the_recorded_version(cli: Any, world: Any) -> None:
    first = promote(cli, "dev")["platform_versions"]["version"]
    change(world)
    second = promote(cli, "dev")["platform_versions"]["version"]
    assert second != first and world.running("dev") == second
    made = world.versions("dev")
    (rolled,) = run(cli, "rollback", "--env", "dev")["agents"]
    assert rolled["platform_versions"]["version"] == first
    assert rolled["detail"] == f"re-pointed to version {first}"
    assert world.running("dev") == first and world.versions("dev") == made  # none made
    assert drift(cli, "dev", code=0)[AGENT]["state"] == "in_sync"


def test_a_hand_edit_on_the_platform_is_content_drift(cli: Any, world: Any) -> None:
    promote(cli, "dev")
    world.hand_edit("dev")
    found = drift(cli, "dev", code=2)[AGENT]
    assert found["state"] == "drifted" and "content" in found["kinds"]
    assert [d["path"] for d in found["differences"]] != []


def test_a_moved_pointer_is_provenance_drift(cli: Any, world: Any) -> None:
    first = promote(cli, "dev")["platform_versions"]["version"]
    change(world)
    promote(cli, "dev")
    world.repoint("dev", first)  # someone routed dev back by hand
    found = drift(cli, "dev", code=2)[AGENT]
    assert found["state"] == "drifted" and found["kinds"] == ["provenance", "content"]


def test_an_unreadable_platform_is_unknown_never_in_sync(cli: Any, world: Any) -> None:
    promote(cli, "dev")
    world.deny()
    assert drift(cli, "dev", code=2)[AGENT]["state"] == "unknown"


def test_a_crash_between_apply_and_record_converges_without_a_new_version(
    cli: Any, world: Any, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    cls = world.platform_class()
    real = cls.apply

    def crashing(platform: Any, rendered: Any) -> Any:
        real(platform, rendered)
        raise Crash

    monkeypatch.setattr(cls, "apply", crashing)
    with pytest.raises(Crash):
        cli("promote", "--env", "dev")
    made = world.versions("dev")
    assert len(made) == 1
    (stuck,) = run(cli, "history", "--env", "dev")["deployments"]
    assert stuck["status"] == "in_progress"
    monkeypatch.setattr(cls, "apply", real)
    clock.now += timedelta(minutes=2)  # the crashed run's claim is old enough to settle
    again = promote(cli, "dev")  # the platform runs the claimed release: settled, not redone
    assert again["result"] == "unchanged", again
    assert world.versions("dev") == made
    (settled,) = run(cli, "history", "--env", "dev")["deployments"]
    assert settled["status"] == "succeeded"
    assert drift(cli, "dev", code=0)[AGENT]["state"] == "in_sync"


def test_a_retried_apply_finds_the_version_the_crashed_one_made(
    cli: Any, world: Any, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    """Applied, not recorded, and the pointer lost meanwhile: the retry makes no version."""
    promote(cli, "dev")
    change(world)
    cls = world.platform_class()
    real = cls.apply

    def crashing(platform: Any, rendered: Any) -> Any:
        real(platform, rendered)
        raise Crash

    monkeypatch.setattr(cls, "apply", crashing)
    with pytest.raises(Crash):
        cli("promote", "--env", "dev")
    monkeypatch.setattr(cls, "apply", real)
    made = world.versions("dev")
    world.repoint("dev", made[0])  # back where it was: the claimed release does not run
    clock.now += timedelta(minutes=11)  # abandoned, by the rule for interrupted runs
    retried = promote(cli, "dev")
    assert retried["result"] == "succeeded", retried
    assert retried["platform_versions"]["version"] == made[-1]  # found by its stamp
    assert world.versions("dev") == made


def test_live_agents_finds_what_the_ledger_never_recorded(cli: Any, world: Any) -> None:
    promote(cli, "dev")
    world.deploy_unrecorded("stray", "dev")
    found = drift(cli, "dev", code=2)
    assert found[AGENT]["state"] == "in_sync"
    assert found["stray"]["state"] == "drifted" and found["stray"]["expected"] is None


def test_eval_on_the_platform_runs_what_the_environment_runs(cli: Any, world: Any) -> None:
    promote(cli, "dev")
    text = world.root / "agents" / AGENT / "instructions.md"
    text.write_text(INSTRUCTIONS.replace("warmly", "briefly"))  # the working tree would fail
    assert cli("eval", "--env", "dev", "--target", "now").code == 2
    before = world.invocations()
    report = run(cli, "eval", "--env", "dev", "--target", "platform:dev")
    assert report["verdict"] == "pass"
    assert world.invocations() == before + 1


def test_eval_inline_runs_both_sides_undeployed_and_changes_nothing(cli: Any, world: Any) -> None:
    promote(cli, "dev")
    versions, running = world.versions("dev"), world.running("dev")
    history = run(cli, "history", "--env", "dev")
    text = world.root / "agents" / AGENT / "instructions.md"
    text.write_text(INSTRUCTIONS.replace("warmly", "briefly"))
    git(world.root, "commit", "-q", "-am", "Greet briefly")
    report = run(cli, "eval", "--env", "dev", "--base", "HEAD~1", "--target", "inline:dev", code=2)
    assert report["verdict"] == "fail"
    (agent,) = report["agents"]
    assert agent["paired"]["new_failures"] == ["greet/warm"]  # the base passed it
    assert world.candidate_runs() == 2 and world.invocations() == 0
    assert (world.versions("dev"), world.running("dev")) == (versions, running)
    assert run(cli, "history", "--env", "dev") == history
    again = run(cli, "eval", "--env", "dev", "--base", "HEAD~1", "--target", "inline:dev", code=2)
    assert again["verdict"] == "fail" and world.candidate_runs() == 2  # both sides cached
