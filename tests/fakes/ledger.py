"""An in-memory `Ledger` with the same compare-and-set rules as the real backends."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

from agentcd.adapters.ledger.protocol import LeaseHeld, SequenceTaken
from agentcd.core.definition.bundle import Bundle
from agentcd.core.deploy.chain import ChainCheck, start
from agentcd.core.deploy.lease import Lease
from agentcd.core.deploy.ledger import Deployment, EvalRecord, Status
from agentcd.core.deploy.verify import BundleCheck, LedgerCheck


class FakeLedger:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str, int], Deployment] = {}
        self.bundles: dict[str, Bundle] = {}
        self.eval_records: list[EvalRecord] = []
        self.leases: dict[str, Lease] = {}

    def append(self, record: Deployment) -> None:
        key = (record.agent, record.environment)
        latest = max((s for a, e, s in self.records if (a, e) == key), default=0)
        if record.seq != latest + 1:
            raise SequenceTaken(*key, record.seq, self.records.get((*key, latest)))
        self.records[(*key, record.seq)] = record

    def finish(
        self,
        agent: str,
        environment: str,
        seq: int,
        *,
        status: Status,
        finished_at: datetime,
        platform_versions: Mapping[str, str],
        note: str,
    ) -> Deployment:
        held = self.records.get((agent, environment, seq))
        if held is None or held.status is not Status.IN_PROGRESS:
            raise SequenceTaken(agent, environment, seq, held)
        done = held.model_copy(
            update={
                "status": status,
                "finished_at": finished_at,
                "platform_versions": dict(platform_versions),
                "note": note or held.note,
            }
        )
        self.records[(agent, environment, seq)] = done
        return done

    def history(
        self, *, agent: str | None = None, environment: str | None = None
    ) -> tuple[Deployment, ...]:
        return tuple(
            r
            for (a, e, _), r in sorted(
                self.records.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])
            )
            if (agent is None or a == agent) and (environment is None or e == environment)
        )

    def put_bundle(self, bundle: Bundle) -> None:
        self.bundles.setdefault(bundle.digest, bundle)

    def get_bundle(self, digest: str) -> Bundle | None:
        return self.bundles.get(digest)

    def record_eval(self, record: EvalRecord) -> None:
        self.eval_records.append(record)

    def evals(self, *, agent: str | None = None) -> tuple[EvalRecord, ...]:
        return tuple(r for r in self.eval_records if agent is None or r.agent == agent)

    def take_lease(self, lease: Lease, *, now: datetime, dead: str | None = None) -> None:
        held = self.leases.get(lease.environment)
        if held is not None and held.blocks(lease.token, now, dead=dead):
            raise LeaseHeld(held)
        self.leases[lease.environment] = lease

    def release_lease(self, environment: str, token: str) -> None:
        held = self.leases.get(environment)
        if held is not None and held.token == token:
            del self.leases[environment]

    @contextmanager
    def batch(self) -> Iterator[None]:
        """All of the block's writes, or none of them when it raises."""
        saved = (dict(self.records), dict(self.bundles), list(self.eval_records))
        try:
            yield
        except BaseException:
            self.records, self.bundles, self.eval_records = saved
            raise

    def verify(self) -> LedgerCheck:
        """Nothing in memory can be tampered with: the chain is intact by construction."""
        entries = len(self.records) + len(self.eval_records)
        chain = ChainCheck(linked=entries, unchained=0, head=start(()))
        return LedgerCheck(
            ledger="the fake ledger",
            deployments=len(self.records),
            evals=len(self.eval_records),
            chain=chain,
            bundles=tuple(BundleCheck(digest) for digest in sorted(self.bundles)),
        )
