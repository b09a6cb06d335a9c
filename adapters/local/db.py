"""The SQLite file: connections (WAL, one per thread), the schema, and the unit-of-work helper."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger("wingcloud.db")

SCHEMA_VERSION = 2  # 2: the delivery kernel (a ledger of handled parcels, arrivals keyed by their door)
SCHEMA = """
CREATE TABLE IF NOT EXISTS apps (id TEXT PRIMARY KEY, repository_lc TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS apps_by_repository ON apps (repository_lc);
CREATE TABLE IF NOT EXISTS environments (
    id TEXT PRIMARY KEY, app_id TEXT NOT NULL, type TEXT NOT NULL, branch TEXT NOT NULL, pr_number INTEGER,
    status TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS environments_by_app ON environments (app_id, type, branch);
CREATE INDEX IF NOT EXISTS environments_by_pull_request ON environments (app_id, pr_number);
CREATE TABLE IF NOT EXISTS secrets (
    app_id TEXT NOT NULL, environment_type TEXT NOT NULL, name TEXT NOT NULL, ciphertext BLOB NOT NULL,
    wrapped_key BLOB NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (app_id, environment_type, name));
CREATE TABLE IF NOT EXISTS handled (target TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (target, key));
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feed (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT, subject TEXT, summary TEXT, at TEXT, data TEXT);
CREATE TABLE IF NOT EXISTS blob_chunks (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, data BLOB);
CREATE INDEX IF NOT EXISTS blob_chunks_by_key ON blob_chunks (key);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, detail_type TEXT NOT NULL,
    source TEXT NOT NULL, correlation_id TEXT NOT NULL, causation_id TEXT, time TEXT NOT NULL,
    envelope TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_correlation ON events (correlation_id);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, ref TEXT NOT NULL, target TEXT NOT NULL,
    service TEXT NOT NULL, correlation_id TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL, next_due REAL NOT NULL, last_error TEXT,
    UNIQUE (kind, ref, target));
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_due);
CREATE TABLE IF NOT EXISTS dead_letters (
    id TEXT PRIMARY KEY, delivery_id INTEGER, target TEXT, service TEXT, event_id TEXT, detail_type TEXT,
    parcel TEXT NOT NULL, correlation_id TEXT NOT NULL, error_code TEXT NOT NULL, error_message TEXT NOT NULL,
    exhausted_condition TEXT, attempts INTEGER NOT NULL, at TEXT NOT NULL, redriven_at TEXT);
CREATE TABLE IF NOT EXISTS trace (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL, event_id TEXT NOT NULL,
    detail_type TEXT NOT NULL, source_service TEXT NOT NULL, target_service TEXT, target TEXT,
    correlation_id TEXT NOT NULL, causation_id TEXT, attempt INTEGER NOT NULL, error TEXT, duration_ms REAL);
CREATE INDEX IF NOT EXISTS trace_by_correlation ON trace (correlation_id);
CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS usage_marks (
    environment_id TEXT NOT NULL, event_id TEXT NOT NULL, app_id TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (environment_id, event_id));
CREATE INDEX IF NOT EXISTS usage_marks_by_app ON usage_marks (app_id);
"""

# Columns added to a table of this schema version after it shipped, so a data dir made before gets them in
# place: an added, nullable column changes nothing for what reads the others, so the version stays.
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (("trace", "duration_ms", "REAL"),)


class SchemaVersionError(RuntimeError):
    """The file was made by another version of wingcloud, with tables this one cannot read."""


class Database:
    """One SQLite file in WAL mode; `connection()` gives each thread its own connection.

    `synchronous=NORMAL` (the WAL default recommendation) keeps every commit across a process crash
    (`kill -9`); `durable=True` switches to FULL, which also survives power loss at the cost of an fsync
    per commit.
    """

    def __init__(
        self,
        path: Path,
        *,
        durable: bool = False,
        schema: str = SCHEMA,
        version: int = SCHEMA_VERSION,
        autocheckpoint: bool = True,
    ) -> None:
        """`autocheckpoint=False`: commits never checkpoint; the owner runs `PRAGMA wal_checkpoint` itself.
        A file made with another schema `version` is refused (SchemaVersionError), never half-used."""
        self.path = path
        self._synchronous = "FULL" if durable else "NORMAL"
        self._autocheckpoint = autocheckpoint
        self._local = threading.local()
        self._write_lock = FairLock()
        conn = self.connect()
        try:
            found = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            if tables and found != version:
                raise SchemaVersionError(
                    f"{path} was made by another version of wingcloud (schema {found}, this one reads {version}): "
                    "move the data dir away (or delete it) and start again"
                )
            conn.executescript(schema)
            _add_columns(conn)
            conn.execute(f"PRAGMA user_version = {int(version)}")
        finally:
            conn.close()

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
        if not self._autocheckpoint:
            conn.execute("PRAGMA wal_autocheckpoint=0")
        return conn

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on this thread's connection, first taking the process's FIFO write lock.

        SQLite lets one writer in at a time and makes the others sleep-and-retry (up to 100 ms a nap); queueing
        writers here instead hands the lock over at once, in arrival order.
        """
        with self._write_lock, transaction(self.connection()) as conn:
            yield conn

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit mode: transactions are explicit, see `transaction`)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.connect()
            self._local.conn = conn
        return conn


def _add_columns(conn: sqlite3.Connection) -> None:
    """Add the `ADDED_COLUMNS` a table of this file lacks (a file made before they were added)."""
    for table, column, kind in ADDED_COLUMNS:
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if present and column not in present:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE (take the write lock up front, so no upgrade deadlock) ... COMMIT, or ROLLBACK."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class FairLock:
    """A first-come-first-served lock: a releasing thread cannot barge ahead of threads already waiting."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._next_ticket = 0
        self._serving = 0

    def __enter__(self) -> None:
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            while self._serving != ticket:
                self._cond.wait()

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


class Checkpointer:
    """Copies committed pages from a database's WAL into its file on a thread of its own, every `every`
    seconds (PASSIVE: it never waits for, nor blocks, readers and writers). With SQLite's automatic checkpoint
    the commit that crosses 1,000 WAL pages does that work itself, fsync included: the worker's batch (and the
    webhook waiting behind it) paid milliseconds to seconds at random, on a busy disk."""

    def __init__(self, db: Database, every: float = 0.5) -> None:
        self._db, self._every = db, every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=f"checkpoint-{self._db.path.name}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop, after a last checkpoint."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.checkpoint()

    def checkpoint(self) -> None:
        try:
            self._db.connection().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:
            log.exception("checkpoint of %s failed; the next one retries", self._db.path.name)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.checkpoint()
