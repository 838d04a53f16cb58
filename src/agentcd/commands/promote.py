"""`agentcd promote`: move an exact artifact into an environment, through the gate, on record.

The artifact comes from a verified bundle (`--bundle` with `--expect-digest`), from what another
environment runs (`--from`), or is built from the committed HEAD.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from agentcd.commands._common import edges as command_edges
from agentcd.commands._common import write_output
from agentcd.commands._deploy import execute, exit_code, holding
from agentcd.commands._services import (
    Services,
    deployment_options,
    find_environment,
    identity,
    open_services,
    stored_bundle,
)
from agentcd.core.definition.bundle import Bundle, make_bundle, read_bundle
from agentcd.core.definition.digest import DIGEST_RE, digest_bytes
from agentcd.core.definition.load import (
    LoadedAgent,
    Workspace,
    load_agents,
    load_project,
    load_workspace,
)
from agentcd.core.definition.model import Project
from agentcd.core.definition.tree import Tree
from agentcd.core.deploy.ledger import EvalRecord, evals_from_report, fold
from agentcd.core.deploy.promotion import Proposal
from agentcd.core.deploy.release import make_release
from agentcd.errors import ConfigError, DefinitionError, TamperedBundle
from agentcd.render.deploy.report import render_json, render_text


@click.command("promote")
@click.option("--env", "environment", required=True, help="The environment to promote into.")
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@click.option(
    "--bundle",
    "bundles",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="A bundle file, or a folder of *.bundle.json (repeatable); needs --expect-digest.",
)
@click.option(
    "--expect-digest",
    "expected",
    multiple=True,
    help="The digest each bundle must hash to: DIGEST for one bundle, else AGENT=DIGEST.",
)
@click.option("--from", "source", default=None, help="Promote what this environment runs now.")
@click.option(
    "--eval-report",
    "eval_reports",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Record the verdicts of an `agentcd eval --format json` report first (repeatable).",
)
@deployment_options("promotes")
@click.pass_context
def command(
    ctx: click.Context,
    environment: str,
    agents: tuple[str, ...],
    bundles: tuple[Path, ...],
    expected: tuple[str, ...],
    source: str | None,
    eval_reports: tuple[Path, ...],
    dry_run: bool,
    actor: str | None,
    approvers: tuple[str, ...],
    mirror: bool | None,
    lock_timeout: float,
    fmt: str,
    output: Path | None,
) -> int:
    """Promote agents into an environment by digest, through the gate, and record it."""
    if bundles and source:
        raise ConfigError("promoting: give --bundle or --from, not both")
    if expected and not bundles:
        raise ConfigError("promoting: --expect-digest goes with --bundle")
    edges = command_edges(ctx)
    with edges.repository.tree(None) as work:  # the working tree, read once
        project = load_project(work)
        work_agents = None if bundles or source else _work_agents(work, project)
    svc = open_services(edges, project, environment, mirror=mirror)
    svc = record_eval_reports(svc, eval_reports, dry_run=dry_run)
    if bundles:
        proposals = from_bundles(svc, bundles, expected, agents)
    elif source:
        proposals = from_environment(svc, source, agents)
    else:
        proposals = from_head(svc, agents, work_agents)
    who = identity(svc, actor, approvers)
    with holding(svc, who, dry_run=dry_run, wait=lock_timeout) as held:
        report = execute(svc, proposals, who, command="promote", dry_run=dry_run, held=held)
    write_output(render_json(report) if fmt == "json" else render_text(report), output)
    return exit_code(report)


def propose(
    svc: Services,
    bundle: Bundle,
    *,
    expected_digest: str | None = None,
    integrity_problem: str | None = None,
) -> Proposal:
    """A bundle with this environment's bindings, ready for the gate."""
    release = make_release(
        svc.environment,
        artifact=bundle.artifact,
        artifact_digest=bundle.digest,
        commit=bundle.commit,
    )
    return Proposal(
        release=release,
        bundle=bundle,
        expected_digest=expected_digest,
        integrity_problem=integrity_problem,
    )


def record_eval_reports(svc: Services, paths: tuple[Path, ...], *, dry_run: bool) -> Services:
    """Keep each report's verdicts in the ledger (in memory only for a dry run)."""
    records: list[EvalRecord] = []
    for path in paths:
        data = path.read_bytes()
        try:
            parsed = json.loads(data)
        except ValueError as e:
            raise DefinitionError(str(path), "", f"not JSON ({e})") from e
        records += evals_from_report(
            parsed, report_digest=digest_bytes(data), recorded_at=svc.clock(), where=str(path)
        )
    if dry_run:
        return replace(svc, unrecorded_evals=tuple(records))
    with svc.ledger.batch():
        for record in records:
            svc.ledger.record_eval(record)
    return svc


# ---------------------------------------------------------------- --bundle


def from_bundles(
    svc: Services, paths: tuple[Path, ...], expected: tuple[str, ...], agents: tuple[str, ...]
) -> list[Proposal]:
    files = [f for p in paths for f in (sorted(p.glob("*.bundle.json")) if p.is_dir() else [p])]
    if not files:
        raise ConfigError(f"promoting: no *.bundle.json in {', '.join(map(str, paths))}")
    loaded = [load_bundle_file(f) for f in files]
    chosen = [(b, problem) for b, problem in loaded if not agents or b.name in agents]
    _refuse_unknown(agents, {b.name for b, _ in loaded}, "the bundles")
    digests = expected_digests(expected, [b.name for b, _ in chosen])
    return [
        propose(svc, b, expected_digest=digests[b.name], integrity_problem=problem)
        for b, problem in chosen
    ]


def load_bundle_file(path: Path) -> tuple[Bundle, str | None]:
    """A bundle and, when its recorded digest is not its content's, why (for the gate)."""
    text = path.read_text(encoding="utf-8")
    try:
        return read_bundle(text, path=str(path)), None
    except TamperedBundle as e:
        problem = f"{path.name}: {e.detail}"
    data = json.loads(text)
    source = data.get("source") or {}
    bundle = Bundle(
        name=str(data["name"]),
        digest=str(data["digest"]),
        artifact=data["artifact"],
        commit=source.get("commit"),
        path=str(source.get("path", "")),
    )
    return bundle, problem


def expected_digests(values: tuple[str, ...], names: list[str]) -> dict[str, str]:
    """AGENT=DIGEST pairs, or one bare DIGEST for a single bundle; every bundle needs one."""
    if len(values) == 1 and "=" not in values[0] and len(names) == 1:
        values = (f"{names[0]}={values[0]}",)
    pairs = dict(v.split("=", 1) for v in values if "=" in v)
    for value in values:
        digest = value.split("=", 1)[-1]
        if "=" not in value or not DIGEST_RE.match(digest):
            raise ConfigError(f"--expect-digest {value!r}: expected AGENT=sha256:<64 hex digits>")
    missing = [n for n in names if n not in pairs]
    if missing:
        raise ConfigError(f"promoting: no --expect-digest for {', '.join(missing)}")
    return pairs


# ---------------------------------------------------------------- --from


def from_environment(svc: Services, source: str, agents: tuple[str, ...]) -> list[Proposal]:
    find_environment(svc.project, source)
    if source == svc.environment.name:
        raise ConfigError(f"promoting: --from {source} is the target environment itself")
    slots = {a: s for (a, e), s in fold(svc.ledger.history(environment=source)).items()}
    running = {a: s.current for a, s in slots.items() if s.current is not None}
    _refuse_unknown(agents, set(running), f"what {source} runs")
    chosen = [running[a] for a in sorted(running) if not agents or a in agents]
    if not chosen:
        raise ConfigError(f"promoting: nothing runs in {source}")
    bundles = [stored_bundle(svc.ledger, d.artifact_digest, d.agent) for d in chosen]
    return [propose(svc, b, expected_digest=b.digest) for b in bundles]


# ---------------------------------------------------------------- committed HEAD


def from_head(
    svc: Services, agents: tuple[str, ...], work: tuple[LoadedAgent, ...] | DefinitionError | None
) -> list[Proposal]:
    repository = svc.repository
    if repository.head_commit() is None:
        raise ConfigError("promoting: no commit to build (commit first, or pass --bundle)")
    with repository.tree("HEAD") as tree:
        head = load_workspace(tree)
    refuse_uncommitted(svc.project, work, head)
    _refuse_unknown(agents, {a.name for a in head.agents}, "the committed definitions")
    return [
        propose(svc, make_bundle(name=a.name, artifact=a.artifact, commit=head.commit, path=a.path))
        for a in head.agents
        if not agents or a.name in agents
    ]


def _work_agents(tree: Tree, project: Project) -> tuple[LoadedAgent, ...] | DefinitionError:
    """The working tree's definitions, or why they do not load (refused once HEAD is known)."""
    try:
        return load_agents(tree, project)
    except DefinitionError as e:
        return e


def refuse_uncommitted(
    project: Project, work: tuple[LoadedAgent, ...] | DefinitionError | None, head: Workspace
) -> None:
    """The working tree's definitions must be the committed ones: HEAD is what gets deployed."""
    if isinstance(work, DefinitionError):
        raise ConfigError(f"promoting: uncommitted changes to definitions: {work}") from work
    in_work = {a.name: a for a in work or ()}
    changed = ["agentcd.yaml"] if project != head.project else []
    committed = {a.name: a.digest for a in head.agents}
    changed += [a.path for a in in_work.values() if committed.get(a.name) != a.digest]
    changed += [a.path for a in head.agents if a.name not in in_work]
    if changed:
        raise ConfigError(
            "promoting: uncommitted changes to definitions in "
            + ", ".join(sorted(set(changed)))
            + " (commit them, or promote a built bundle with --bundle)"
        )


def _refuse_unknown(agents: tuple[str, ...], known: set[str], where: str) -> None:
    unknown = sorted(set(agents) - known)
    if unknown:
        raise ConfigError(
            f"promoting: no agent {', '.join(unknown)} in {where} (has {', '.join(sorted(known))})"
        )
