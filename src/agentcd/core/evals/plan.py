"""What an eval run will do: which agents, suites, target and thresholds. No I/O.

The bar is never taken from the change under review: with a base revision, the thresholds,
the eval settings (targets, judge, budget) and every agent's suites come from the base, and
each difference in the head is named in `notes`. An agent new in the head is judged by its
own suites, and the report says so. An agent without suites is left out unless the
environment requires an eval, where it makes the verdict inconclusive (no evidence).

A `platform` target (configured, or the built-in `platform` / `platform:ENV`) evaluates what an
environment runs: it names that environment here, and cannot be paired with a base revision.
An `inline` target (configured, or the built-in `inline` / `inline:ENV`) runs the definitions
under review on an environment's platform without deploying them, paired as usual: both sides
run with the base's binding values of that environment (the head's where the base has none),
since the infrastructure they point at is part of the bar, not of the change under review.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agentcd.core.definition.load import LoadedAgent, LoadedSuite, Workspace
from agentcd.core.definition.model import Environment, Gate, Requirement
from agentcd.core.evals.settings import EvalSettings, EvalTarget, InlineTarget, PlatformTarget
from agentcd.errors import ConfigError

BUILTIN_PLATFORM = "platform"  # `--target platform` or `platform:ENV`, unless configured
BUILTIN_INLINE = "inline"  # `--target inline` or `inline:ENV`, unless configured


@dataclass(frozen=True, slots=True)
class AgentEvalPlan:
    name: str
    digest: str
    artifact: Mapping[str, Any]
    base_digest: str | None
    base_artifact: Mapping[str, Any] | None
    suites: tuple[LoadedSuite, ...]
    head_suites: tuple[LoadedSuite, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvalPlan:
    environment: str
    gate: Gate
    gate_source: str
    settings: EvalSettings
    target_name: str
    target: EvalTarget
    agents: tuple[AgentEvalPlan, ...]
    notes: tuple[str, ...]
    inline: Environment | None = None  # an `inline` target's environment, with the trials' values


def plan_eval(
    head: Workspace,
    base: Workspace | None,
    *,
    agents: tuple[str, ...] = (),
    environment: str | None = None,
    target: str | None = None,
) -> EvalPlan:
    config = (base or head).project
    source = f"base revision {base.commit[:12]}" if base and base.commit else head.label
    env = _environment(config.environments, environment)
    notes = _config_notes(head, base, env.name)
    name, chosen = _target(config.evals, target)
    inline = None
    if isinstance(chosen, PlatformTarget):
        chosen = _deployed_in(chosen, config.environments, env, paired=base is not None)
    elif isinstance(chosen, InlineTarget):
        inline = _inline_in(head, base, chosen.environment or env.name)
        chosen = chosen.model_copy(update={"environment": inline.name})
        notes += _binding_notes(head, base, inline.name)
    plans = tuple(_agent_plan(a, base) for a in _agents(head, agents))
    if env.gate.eval is not Requirement.REQUIRED:
        notes += tuple(f"{p.name} has no eval suites: not gated" for p in plans if not p.suites)
        plans = tuple(p for p in plans if p.suites)
    return EvalPlan(env.name, env.gate, source, config.evals, name, chosen, plans, notes, inline)


def _environment(environments: Sequence[Environment], name: str | None) -> Environment:
    if name is None:
        return environments[0]
    found = next((e for e in environments if e.name == name), None)
    if found is None:
        known = ", ".join(e.name for e in environments)
        raise ConfigError(f"evaluating: no environment named {name!r} (known: {known})")
    return found


def _target(settings: EvalSettings, name: str | None) -> tuple[str, EvalTarget]:
    builtin = _builtin_platform(name) if name and name not in settings.targets else None
    if builtin is not None:
        return name or BUILTIN_PLATFORM, builtin
    if not settings.targets:
        raise ConfigError(
            "evaluating: no eval target; add evals.targets to agentcd.yaml "
            "(or evaluate a deployment with --target platform)"
        )
    chosen = name or settings.target or sorted(settings.targets)[0]
    if chosen not in settings.targets:
        known = ", ".join([*sorted(settings.targets), "platform[:ENV]", "inline[:ENV]"])
        raise ConfigError(f"evaluating: no eval target named {chosen!r} (known: {known})")
    return chosen, settings.targets[chosen]


def _builtin_platform(name: str) -> PlatformTarget | InlineTarget | None:
    kind, colon, environment = name.partition(":")
    if colon and not environment:
        return None
    if kind == BUILTIN_PLATFORM:
        return PlatformTarget(type="platform", environment=environment or None)
    if kind == BUILTIN_INLINE:
        return InlineTarget(type="inline", environment=environment or None)
    return None


def _deployed_in(
    target: PlatformTarget, environments: Sequence[Environment], env: Environment, *, paired: bool
) -> PlatformTarget:
    """The platform target with its environment named: its own, else the gate's."""
    if paired:
        raise ConfigError(
            "evaluating: a platform target runs only what the environment runs; it cannot be "
            "paired with --base (leave --base out)"
        )
    deployed = _environment(environments, target.environment or env.name)
    return target.model_copy(update={"environment": deployed.name})


def _inline_in(head: Workspace, base: Workspace | None, name: str) -> Environment:
    """The head's environment, its binding values the base's where the base has them."""
    env = _environment(head.project.environments, name)
    before = base.project.environment(name) if base is not None else None
    if before is None:
        return env
    return env.model_copy(update={"bindings": {**env.bindings, **before.bindings}})


def _binding_notes(head: Workspace, base: Workspace | None, name: str) -> tuple[str, ...]:
    before = base.project.environment(name) if base is not None else None
    if before is None:
        return ()
    now = _environment(head.project.environments, name).bindings
    changed = sorted(k for k in before.bindings if k in now and now[k] != before.bindings[k])
    if not changed:
        return ()
    return (
        f"the head changes {name}'s binding values ({', '.join(changed)}); "
        "the base's are used on both sides",
    )


def _agents(head: Workspace, names: tuple[str, ...]) -> list[LoadedAgent]:
    unknown = sorted(set(names) - {a.name for a in head.agents})
    if unknown:
        known = ", ".join(a.name for a in head.agents)
        raise ConfigError(f"evaluating: no agent named {', '.join(unknown)} (known: {known})")
    return [a for a in head.agents if not names or a.name in names]


def _config_notes(head: Workspace, base: Workspace | None, env: str) -> tuple[str, ...]:
    if base is None:
        return ("no base revision: thresholds and suites are the working tree's",)
    notes = []
    head_env, base_env = head.project.environment(env), base.project.environment(env)
    if head_env is not None and base_env is not None and head_env.gate != base_env.gate:
        notes.append(f"the head changes {env}'s gate thresholds; the base's are used")
    if head.project.evals != base.project.evals:
        notes.append("the head changes the eval settings (evals:); the base's are used")
    return tuple(notes)


def _agent_plan(agent: LoadedAgent, base: Workspace | None) -> AgentEvalPlan:
    before = base.agent(agent.name) if base is not None else None
    if before is None:
        why = "no base revision" if base is None else "new in the head"
        note = () if base is None else (f"{why}: judged by its own suites, with no pairing",)
        return AgentEvalPlan(
            agent.name, agent.digest, agent.artifact, None, None, agent.suites, agent.suites, note
        )
    return AgentEvalPlan(
        name=agent.name,
        digest=agent.digest,
        artifact=agent.artifact,
        base_digest=before.digest,
        base_artifact=before.artifact,
        suites=before.suites,
        head_suites=agent.suites,
        notes=_suite_notes(agent.suites, before.suites),
    )


def _suite_notes(head: tuple[LoadedSuite, ...], base: tuple[LoadedSuite, ...]) -> tuple[str, ...]:
    old = {s.path: s.digest for s in base}
    new = {s.path: s.digest for s in head}
    changed = sorted(p for p in new if p in old and new[p] != old[p])
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    notes = [f"the head changes suite {p}; the base's version is used" for p in changed]
    notes += [f"the head adds suite {p}; not gated until it is on the base" for p in added]
    notes += [f"the head removes suite {p}; the base's version is still used" for p in removed]
    return tuple(notes)
