"""Carrying out a sticky-comment plan, the same on every host: write the target, drop the copies.

`core.review.sticky.plan_upsert` decides; a host adapter lists its comments, then hands the
plan here with two small writes, `edit(id, body)` and `delete(id)`, bound to its client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from agentcd.adapters.hosts.protocol import UpsertResult
from agentcd.core.review.marker import COMMENT_CAP
from agentcd.core.review.sticky import Comment, Upsert, UpsertPlan
from agentcd.errors import AgentcdError


class _Listed(Protocol):
    """A listed comment object: PyGithub's `IssueComment`, python-gitlab's note."""

    @property
    def id(self) -> Any: ...


_T = TypeVar("_T", bound=_Listed)


@dataclass(frozen=True, slots=True)
class Writes:
    """The two writes a plan needs, bound to one host's client and listing."""

    edit: Callable[[int, str], object]
    """Replace the body of comment `id`."""
    delete: Callable[[int], bool]
    """Delete comment `id`; False when a concurrent run removed it first."""


@dataclass(frozen=True, slots=True)
class SizeLimit:
    """What one host calls a comment and the longest body it accepts."""

    host: str
    noun: str
    limit: int


def check_size(full: str, activity: str, limit: SizeLimit) -> None:
    """Refuse a comment longer than agentcd's cap before any request is sent."""
    if len(full) > COMMENT_CAP:
        raise AgentcdError(
            f"{activity}: the {limit.noun} is {len(full):,} characters; agentcd's cap is "
            f"{COMMENT_CAP:,} ({limit.host} rejects more than {limit.limit:,})"
        )


def by_id(listed: Iterable[_T]) -> dict[int, _T]:
    """The host's comment objects by their id, to carry a plan out on."""
    return {int(c.id): c for c in listed}


def carry_out(plan: UpsertPlan, writes: Writes) -> UpsertResult:
    """Do what a plan that found our comment says: update the target, delete the copies."""
    target = plan.target
    if target is None:
        return UpsertResult(plan.outcome)
    if plan.outcome is Upsert.UPDATED:
        writes.edit(target.id, plan.body)
    return UpsertResult(plan.outcome, target.id, target.url, _remove(plan.extra, writes))


def converge(plan: UpsertPlan, created: Comment, writes: Writes) -> UpsertResult:
    """Carry out `plan`, made again right after creating `created`.

    Find-then-create is not atomic, so a concurrent run may have created its copy too: a
    later run's comment wins (ours is deleted); otherwise everyone converges on the oldest.
    """
    if plan.outcome is Upsert.SKIPPED_NEWER:
        return UpsertResult(Upsert.SKIPPED_NEWER, removed=int(writes.delete(created.id)))
    if plan.target is not None and plan.target.id == created.id:
        removed = _remove(plan.extra, writes)
        return UpsertResult(Upsert.CREATED, created.id, created.url, removed)
    return carry_out(plan, writes)


def _remove(copies: Iterable[Comment], writes: Writes) -> int:
    return sum(writes.delete(c.id) for c in copies)
