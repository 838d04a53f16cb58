"""`agentcd build`: write one verified bundle per agent and print the digests."""

from __future__ import annotations

import json
from pathlib import Path

import click

from agentcd.adapters.protocol import Repository
from agentcd.commands._common import (
    edges,
    format_option,
    open_workspace,
    output_option,
    write_output,
)
from agentcd.core.definition.bundle import Bundle, bundle_to_json, make_bundle, read_bundle
from agentcd.errors import ConfigError, DefinitionError
from agentcd.exit_codes import ExitCode


@click.command("build")
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@click.option(
    "--rev", default=None, help="Build from this git revision instead of the working tree."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write <agent>.bundle.json files into this folder.",
)
@click.option(
    "--verify",
    "verify",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Recompute a bundle's digest and refuse it if tampered (exit 1).",
)
@format_option("text", "json")
@output_option
@click.pass_context
def command(
    ctx: click.Context,
    agents: tuple[str, ...],
    rev: str | None,
    out: Path | None,
    verify: Path | None,
    fmt: str,
    output: Path | None,
) -> int:
    """Build each agent's bundle (artifact, digest, source commit) and print its digest."""
    if verify is not None:
        bundles = [read_bundle(verify.read_text(encoding="utf-8"), path=str(verify))]
    else:
        bundles = _build(edges(ctx).repository, rev=rev, agents=agents, out=out)
    write_output(_render(bundles, fmt=fmt, verified=verify is not None), output)
    return ExitCode.OK


def _build(
    repository: Repository, *, rev: str | None, agents: tuple[str, ...], out: Path | None
) -> list[Bundle]:
    with open_workspace(repository, rev) as ws:
        unknown = sorted(set(agents) - {a.name for a in ws.agents})
        if unknown:
            known = ", ".join(a.name for a in ws.agents)
            raise ConfigError(f"building: no agent named {', '.join(unknown)} (known: {known})")
        chosen = [a for a in ws.agents if not agents or a.name in agents]
        bundles = [
            make_bundle(name=a.name, artifact=a.artifact, commit=ws.commit, path=a.path)
            for a in chosen
        ]
    if out is not None:
        _write_bundles(bundles, out)
    return bundles


def _write_bundles(bundles: list[Bundle], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for bundle in bundles:
        target = out / f"{bundle.name}.bundle.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(bundle_to_json(bundle), encoding="utf-8")
        tmp.replace(target)


def _render(bundles: list[Bundle], *, fmt: str, verified: bool) -> str:
    if fmt == "json":
        rows = [
            {"name": b.name, "digest": b.digest, "commit": b.commit, "path": b.path}
            for b in bundles
        ]
        return json.dumps({"version": 1, "verified": verified, "bundles": rows}, indent=2) + "\n"
    if not bundles:
        raise DefinitionError("agentcd.yaml", "agents", "no agents to build")
    width = max(len(b.name) for b in bundles)
    suffix = "  verified" if verified else ""
    return "".join(f"{b.name:<{width}}  {b.digest}{suffix}\n" for b in bundles)
