"""Durable acceptance at the edges, with group commit, in a SQLite file of its own.

A request hands its delivery to one writer thread and waits; the writer inserts everything that queued up
meanwhile in one transaction and commits once, then answers each request: new, or a duplicate id. So a
202 is only ever sent for a delivery that is on disk, and a burst costs one commit per batch, not per request.

The arrivals live in `inbox.sqlite3`, not in the main database: the worker holds the main database's write
lock while a handler runs, external HTTP calls included (a slow fly.io or GitHub), and GitHub gives a
delivery 10 s. The worker moves arrivals into the main database (`move_arrivals`) inside its own
transaction, advancing a cursor kept in that same database, so each arrival moves exactly once, crash or not.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from adapters.local import outbox
from adapters.local.db import Database

log = logging.getLogger("wingcloud.inbox")
_MAX_BATCH = 512
_CURSOR = "inbox"

SCHEMA = """
CREATE TABLE IF NOT EXISTS arrivals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, name TEXT NOT NULL,
    body BLOB NOT NULL, correlation_id TEXT NOT NULL, received_at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Arrival:
    kind: str  # outbox.WEBHOOK or outbox.REPORT
    id: str  # X-GitHub-Delivery, or a report id
    name: str  # X-GitHub-Event, or the reported status
    body: bytes
    correlation_id: str


class InboxClosedError(RuntimeError):
    """The inbox is shutting down and accepts nothing more."""


class Inbox:
    def __init__(self, db: Database, on_commit: Callable[[], None]) -> None:
        """`db`: the inbox's own file (made with this module's `SCHEMA`), not the main database."""
        self._db = db
        self._on_commit = on_commit
        self._queue: queue.Queue[tuple[Arrival, concurrent.futures.Future[bool]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="wingcloud-inbox", daemon=True)
        self._closed = False
        self.last_arrival = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout=10)

    def submit(self, arrival: Arrival) -> concurrent.futures.Future[bool]:
        """Queue for the next commit; the future says True (stored) or False (a duplicate id)."""
        if self._closed:
            raise InboxClosedError("the inbox is closed")
        future: concurrent.futures.Future[bool] = concurrent.futures.Future()
        self._queue.put((arrival, future))
        return future

    async def accept(self, arrival: Arrival) -> bool:
        return await asyncio.wrap_future(self.submit(arrival))

    def busy(self, within: float = 0.01) -> bool:
        """Webhooks are arriving (one came within `within` seconds), or deliveries wait to be stored."""
        return not self._queue.empty() or time.monotonic() - self.last_arrival < within

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < _MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            if any(arrival.kind == outbox.WEBHOOK for arrival, _ in batch):
                self.last_arrival = time.monotonic()
            try:
                results = self._store([arrival for arrival, _ in batch])
            except Exception as error:
                log.exception("inbox commit failed")
                for _, future in batch:
                    future.set_exception(error)
                continue
            self._on_commit()
            for (_, future), stored in zip(batch, results, strict=True):
                future.set_result(stored)

    def _store(self, arrivals: list[Arrival]) -> list[bool]:
        received = outbox.iso(outbox.now_ts())
        with self._db.writing() as conn:
            return [
                conn.execute(
                    "INSERT OR IGNORE INTO arrivals (id, kind, name, body, correlation_id, received_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (a.id, a.kind, a.name, a.body, a.correlation_id, received),
                ).rowcount
                == 1
                for a in arrivals
            ]

    def move_arrivals(self, conn: sqlite3.Connection, limit: int = _MAX_BATCH) -> int:
        """Inside a write transaction on the main database: copy the arrivals past the cursor into its `inbox`
        table, each with its delivery, and advance the cursor; returns how many moved."""
        after = _cursor(conn)
        rows = (
            self._db.connection()
            .execute(
                "SELECT seq, id, kind, name, body, correlation_id, received_at FROM arrivals"
                " WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            )
            .fetchall()
        )
        for row in rows:
            copied = conn.execute(
                "INSERT OR IGNORE INTO inbox (id, kind, name, body, received_at) VALUES (?, ?, ?, ?, ?)",
                (row["id"], row["kind"], row["name"], row["body"], row["received_at"]),
            ).rowcount
            if copied == 1:
                outbox.enqueue_edge(conn, row["kind"], row["id"], row["correlation_id"], outbox.now_ts())
        if rows:
            conn.execute(
                "INSERT INTO cursors (name, seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
                (_CURSOR, rows[-1]["seq"]),
            )
        return len(rows)

    def waiting(self, conn: sqlite3.Connection) -> int:
        """Arrivals stored but not yet moved into the main database (`conn`)."""
        row = self._db.connection().execute("SELECT COUNT(*) FROM arrivals WHERE seq > ?", (_cursor(conn),)).fetchone()
        return int(row[0])


def _cursor(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT seq FROM cursors WHERE name = ?", (_CURSOR,)).fetchone()
    return int(row[0]) if row else 0
