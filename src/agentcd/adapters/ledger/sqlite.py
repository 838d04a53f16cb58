"""The embedded ledger: one SQLite file, every write a `BEGIN IMMEDIATE` transaction.

Compare-and-set on the sequence number: an append checks that its seq is the next one inside
the write transaction, and the primary key (agent, environment, seq) backs that up, so two
concurrent promotions of one agent to one environment cannot both record. The schema version
is SQLite's `user_version`. Every write also appends its entry to the hash chain, and every
read first checks the tables against it (`sqlchain`).
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from agentcd.adapters.ledger import sqlchain
from agentcd.adapters.ledger.protocol import LeaseHeld, LedgerError, SequenceTaken
from agentcd.core.definition.bundle import Bundle, bundle_to_json, read_bundle
from agentcd.core.deploy.lease import Lease
from agentcd.core.deploy.ledger import Deployment, EvalRecord, Status
from agentcd.core.deploy.verify import LedgerCheck

SCHEMA_VERSION = 3  # 2: the environment leases; 3: the hash chain
R = TypeVar("R", Deployment, EvalRecord, Lease)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS deployments (
  agent TEXT NOT NULL,
  environment TEXT NOT NULL,
  seq INTEGER NOT NULL CHECK (seq >= 1),
  status TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (agent, environment, seq)
);
CREATE TABLE IF NOT EXISTS bundles (digest TEXT PRIMARY KEY, bundle TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  agent TEXT NOT NULL,
  artifact_digest TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evals_by_digest ON evals (agent, artifact_digest);
CREATE TABLE IF NOT EXISTS leases (environment TEXT PRIMARY KEY, lease TEXT NOT NULL);
"""


class SqliteLedger:
    """A ledger in one SQLite file; reading a file that does not exist yet reads nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._chain = sqlchain.Verifier(f"the ledger {path}")
        self._batch = 0  # depth of `batch()` blocks: writes inside join one transaction

    def close(self) -> None:
        """Close the connection; the last one to close folds the write-ahead log back into the
        file, so the ledger is the one file `ledger.path` names (no `-wal` beside it)."""
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):  # another is writing: it checkpoints
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.close()
            self._conn = None

    # ------------------------------------------------------------ connection

    def _connect(self, *, create: bool) -> sqlite3.Connection | None:
        if self._conn is not None:
            return self._conn
        if not create and not self.path.exists():
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            _enable_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate(conn)
        except (sqlite3.Error, OSError) as e:
            raise LedgerError(f"opening the ledger {self.path}: {e}") from e
        self._conn = conn
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"opening the ledger {self.path}: schema version {version} was written by a "
                f"newer agentcd (this one reads up to {SCHEMA_VERSION}); upgrade agentcd"
            )
        if version < SCHEMA_VERSION:
            with self._write(conn):
                # Another process may have migrated while we waited for the write lock.
                if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                    _create(conn)
                    sqlchain.upgrade(conn)
                    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def _write(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        if conn.in_transaction:  # inside `batch()`: its transaction commits or rolls back
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def _writing(self, activity: str) -> Iterator[sqlite3.Connection]:
        conn = self._connect(create=True)
        assert conn is not None
        try:
            with self._write(conn):
                yield conn
        except sqlite3.Error as e:
            raise LedgerError(f"{activity} in the ledger {self.path}: {e}") from e

    def _rows(self, sql: str, params: tuple[object, ...]) -> list[tuple[str]]:
        conn = self._connect(create=False)
        if conn is None:
            return []
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise LedgerError(f"reading the ledger {self.path}: {e}") from e

    # ------------------------------------------------------------ deployments

    def append(self, record: Deployment) -> None:
        with self._writing(f"recording #{record.seq} of {record.agent}") as conn:
            key = (record.agent, record.environment)
            (latest,) = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM deployments WHERE agent=? AND environment=?",
                key,
            ).fetchone()
            if record.seq != latest + 1:
                raise SequenceTaken(*key, record.seq, _holder(conn, *key, latest))
            try:
                conn.execute(
                    "INSERT INTO deployments VALUES (?, ?, ?, ?, ?)",
                    (*key, record.seq, record.status.value, record.model_dump_json()),
                )
            except sqlite3.IntegrityError:
                raise SequenceTaken(*key, record.seq, _holder(conn, *key, record.seq)) from None
            sqlchain.add(conn, "claim", record.model_dump_json())

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
        with self._writing(f"finishing #{seq} of {agent}") as conn:
            held = _holder(conn, agent, environment, seq)
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
            conn.execute(
                "UPDATE deployments SET status=?, record=? "
                "WHERE agent=? AND environment=? AND seq=? AND status=?",
                (status.value, done.model_dump_json(), agent, environment, seq, "in_progress"),
            )
            sqlchain.add(conn, "finish", done.model_dump_json())
        return done

    def history(
        self, *, agent: str | None = None, environment: str | None = None
    ) -> tuple[Deployment, ...]:
        self._check_chain()
        rows = self._rows(
            "SELECT record FROM deployments WHERE (?1 IS NULL OR agent=?1) "
            "AND (?2 IS NULL OR environment=?2) ORDER BY environment, agent, seq",
            (agent, environment),
        )
        return tuple(_load(Deployment, row[0], self.path) for row in rows)

    # ------------------------------------------------------------ bundles

    def put_bundle(self, bundle: Bundle) -> None:
        with self._writing(f"storing the bundle of {bundle.name}") as conn:
            conn.execute(
                "INSERT OR IGNORE INTO bundles VALUES (?, ?)",
                (bundle.digest, bundle_to_json(bundle)),
            )

    def get_bundle(self, digest: str) -> Bundle | None:
        rows = self._rows("SELECT bundle FROM bundles WHERE digest=?", (digest,))
        if not rows:
            return None
        return read_bundle(rows[0][0], path=f"{self.path}#bundles/{digest}")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction for every write in the block: all of them are recorded, or (when one
        raises, `SequenceTaken` included) none."""
        if self._batch:
            self._batch += 1
            try:
                yield
            finally:
                self._batch -= 1
            return
        conn = self._connect(create=True)
        assert conn is not None
        self._batch = 1
        try:
            with self._writing("recording"):
                yield
        finally:
            self._batch = 0

    # ------------------------------------------------------------ leases

    def take_lease(self, lease: Lease, *, now: datetime, dead: str | None = None) -> None:
        with self._writing(f"taking the lease of {lease.environment}") as conn:
            row = conn.execute(
                "SELECT lease FROM leases WHERE environment=?", (lease.environment,)
            ).fetchone()
            if row is not None:
                held = _load(Lease, row[0], self.path)
                if held.blocks(lease.token, now, dead=dead):
                    raise LeaseHeld(held)
            conn.execute(
                "INSERT OR REPLACE INTO leases (environment, lease) VALUES (?, ?)",
                (lease.environment, lease.model_dump_json()),
            )

    def release_lease(self, environment: str, token: str) -> None:
        with self._writing(f"releasing the lease of {environment}") as conn:
            conn.execute(
                "DELETE FROM leases WHERE environment=? AND json_extract(lease, '$.token')=?",
                (environment, token),
            )

    # ------------------------------------------------------------ evals

    def record_eval(self, record: EvalRecord) -> None:
        with self._writing(f"recording the eval verdict of {record.agent}") as conn:
            conn.execute(
                "INSERT INTO evals (agent, artifact_digest, record) VALUES (?, ?, ?)",
                (record.agent, record.artifact_digest, record.model_dump_json()),
            )
            sqlchain.add(conn, "eval", record.model_dump_json())

    def evals(self, *, agent: str | None = None) -> tuple[EvalRecord, ...]:
        self._check_chain()
        rows = self._rows(
            "SELECT record FROM evals WHERE (?1 IS NULL OR agent=?1) ORDER BY id", (agent,)
        )
        return tuple(_load(EvalRecord, row[0], self.path) for row in rows)

    # ------------------------------------------------------------ the chain

    def _check_chain(self) -> None:
        conn = self._connect(create=False)
        if conn is not None:
            self._chain.check_read(conn)

    def verify(self) -> LedgerCheck:
        return sqlchain.report(self._connect(create=False), f"the ledger {self.path}")


def _create(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def _holder(conn: sqlite3.Connection, agent: str, environment: str, seq: int) -> Deployment | None:
    row = conn.execute(
        "SELECT record FROM deployments WHERE agent=? AND environment=? AND seq=?",
        (agent, environment, seq),
    ).fetchone()
    return Deployment.model_validate_json(row[0]) if row else None


def _load(model: type[R], text: str, path: Path) -> R:
    try:
        return model.model_validate_json(text)
    except ValueError as e:
        raise LedgerError(
            f"reading the ledger {path}: a corrupt {model.__name__} record: {e}"
        ) from e


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, retrying: SQLite answers SQLITE_BUSY without calling the busy handler
    when two connections set up a new database's journal at once (sqlite.org/wal.html)."""
    for attempt in range(100):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            busy = (e.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not busy or attempt == 99:
                raise
            time.sleep(0.05)
