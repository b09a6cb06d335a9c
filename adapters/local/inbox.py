"""Durable acceptance at the doors, with group commit, in a SQLite file of its own.

Requests on the event loop hand their delivery to `accept` and wait; the deliveries that queue up while the
loop handles other requests are inserted in one transaction, committed once, on the loop itself, and each
request is answered: new, or a duplicate id. So a 202 is only ever sent for a delivery that is on disk, and a
burst costs one commit per batch, not per request.

Why on the loop and not in a writer thread: each sqlite3 call releases the GIL and must take it back, and a
thread waits up to the interpreter's switch interval (5 ms) for the loop to give it up. Measured during a
burst, a writer thread spent 4-6 ms per batch mostly waiting for the GIL, and the loop sat idle waiting for
the writer. A commit here costs a fraction of a millisecond (WAL, `synchronous=NORMAL`: no fsync), so the loop
does it itself. Checkpoints, the expensive part (every page written again, then fsync), are taken off the
request path: the file's automatic checkpoint is off and a housekeeping thread checkpoints it passively.

The arrivals live in `inbox.sqlite3`, not in the main database: the worker holds the main database's write
lock while a handler runs, external HTTP calls included (a slow fly.io or GitHub), and GitHub gives a
delivery 10 s. The worker takes arrivals in (`move_arrivals`: a delivery each in the main database) inside
its own transaction, advancing a cursor kept in that same database, so each arrival is taken in exactly once,
crash or not; the delivery reads the body back from here (`arrival`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from adapters.local import outbox
from adapters.local.db import Database
from bus.delivery import Target
from ports import Arrival

log = logging.getLogger("wingcloud.inbox")
_MAX_BATCH = 512
_CURSOR = "inbox"
CHECKPOINT_EVERY = 0.5  # seconds between passive checkpoints while arrivals come in

VERSION = 2  # 2: arrivals are kept by their key (door and id)
SCHEMA = """
CREATE TABLE IF NOT EXISTS arrivals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, name TEXT NOT NULL,
    body BLOB NOT NULL, correlation_id TEXT NOT NULL, received_at TEXT NOT NULL);
"""


class InboxClosedError(RuntimeError):
    """The inbox is shutting down and accepts nothing more."""


class Inbox:
    def __init__(self, db: Database, on_commit: Callable[[], None]) -> None:
        """`db`: the inbox's own file (made with this module's `SCHEMA`, automatic checkpoints off), not the
        main database."""
        self._db = db
        self._on_commit = on_commit
        self._pending: list[tuple[Arrival, asyncio.Future[bool]]] = []
        self._closed = False
        self._dirty = threading.Event()  # committed since the last checkpoint
        self._housekeeper = threading.Thread(target=self._housekeeping, name="wingcloud-inbox", daemon=True)
        self.last_arrival = 0.0
        self._arrival_before = float("-inf")

    def start(self) -> None:
        self._housekeeper.start()

    def stop(self) -> None:
        """Refuse new arrivals; the ones already queued on the loop are still committed (or refused) there."""
        self._closed = True
        self._dirty.set()
        if self._housekeeper.is_alive():
            self._housekeeper.join(timeout=10)
        self._checkpoint()

    async def accept(self, arrival: Arrival) -> bool:
        """On the event loop: True once stored, False for an id already held. Raises what the commit raised."""
        if self._closed:
            raise InboxClosedError("the inbox is closed")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((arrival, future))
        if len(self._pending) == 1:  # the first of a batch schedules its commit after the requests ready now
            asyncio.get_running_loop().call_soon(self._flush)
        return await future

    def put(self, arrival: Arrival) -> bool:
        """From any other thread (the embedded runtime, tests): store it now; True if new."""
        if self._closed:
            raise InboxClosedError("the inbox is closed")
        return self._commit([arrival])[0]

    def busy(self, within: float = 0.01) -> bool:
        """Webhooks are pouring in (the last two stored within `within` seconds of each other, the last within
        `within` of now), or deliveries wait to be stored. One webhook alone is not a burst: the worker need
        not wait before it runs its workflow."""
        if self._pending:
            return True
        last, before = self.last_arrival, self._arrival_before
        return time.monotonic() - last < within and last - before < within

    def _flush(self) -> None:
        batch, self._pending = self._pending[:_MAX_BATCH], self._pending[_MAX_BATCH:]
        if self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        try:
            results = self._commit([arrival for arrival, _ in batch])
        except Exception as error:
            log.exception("inbox commit failed")
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), stored in zip(batch, results, strict=True):
            if not future.done():  # a request cancelled meanwhile (client gone) still had its delivery stored
                future.set_result(stored)

    def _commit(self, arrivals: list[Arrival]) -> list[bool]:
        results = self._store(arrivals)
        if any(arrival.door == "webhook" for arrival in arrivals):
            self._arrival_before, self.last_arrival = self.last_arrival, time.monotonic()
        self._dirty.set()
        self._on_commit()
        return results

    def _store(self, arrivals: list[Arrival]) -> list[bool]:
        """One transaction of three statements whatever the batch size; True for each arrival stored. An
        arrival is known by its key (door and id): a report cannot shadow a webhook with the same id."""
        with self._db.writing() as conn:
            known = {
                row[0]
                for row in conn.execute(
                    "SELECT id FROM arrivals WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps([a.key for a in arrivals]),),
                )
            }
            fresh: dict[str, Arrival] = {}
            stored = []
            for a in arrivals:
                new = a.key not in known and a.key not in fresh
                if new:
                    fresh[a.key] = a
                stored.append(new)
            conn.executemany(
                "INSERT INTO arrivals (id, kind, name, body, correlation_id, received_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(a.key, a.door, a.name, a.body, a.correlation_id, a.received_at.isoformat()) for a in fresh.values()],
            )
        return stored

    def _housekeeping(self) -> None:
        while not self._closed:
            self._dirty.wait()
            if self._closed:
                return
            self._dirty.clear()
            self._checkpoint()
            time.sleep(CHECKPOINT_EVERY)

    def _checkpoint(self) -> None:
        """Copy committed pages from the WAL into the file without waiting for readers or writers."""
        try:
            self._db.connection().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:
            log.exception("inbox checkpoint failed; the next one retries")

    def move_arrivals(
        self, conn: sqlite3.Connection, doors: Mapping[str, Target], at: datetime, limit: int = _MAX_BATCH
    ) -> int:
        """Inside a write transaction on the main database: enqueue a delivery to its door's edge for each
        arrival past the cursor and advance the cursor; returns how many moved. Bodies stay here (`arrival`):
        copying them into the main database wrote every webhook twice more (its WAL, then its checkpoint)."""
        rows = (
            self._db.connection()
            .execute(
                "SELECT seq, id, kind, correlation_id FROM arrivals WHERE seq > ? ORDER BY seq LIMIT ?",
                (_cursor(conn), limit),
            )
            .fetchall()
        )
        for row in rows:
            target = doors[row["kind"]]
            outbox.enqueue_arrival(conn, row["id"], target.name, target.service, row["correlation_id"], at)
        if rows:
            conn.execute(
                "INSERT INTO cursors (name, seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
                (_CURSOR, rows[-1]["seq"]),
            )
        return len(rows)

    def arrival(self, key: str) -> Arrival:
        """A stored arrival by its key, for its delivery (arrivals are immutable once committed)."""
        row = (
            self._db.connection()
            .execute("SELECT kind, name, body, correlation_id, received_at FROM arrivals WHERE id = ?", (key,))
            .fetchone()
        )
        if row is None:
            raise LookupError(f"arrival {key!r} is not in {self._db.path}")
        if not row["body"]:
            raise LookupError(f"the body of arrival {key!r} was pruned (its deliveries were done)")
        door = str(row["kind"])
        received = datetime.fromisoformat(row["received_at"])
        return Arrival(
            door, key.removeprefix(f"{door}:"), row["name"], bytes(row["body"]), row["correlation_id"], received
        )

    def prune_bodies(self, main: sqlite3.Connection, received_before: str, page: int = 500) -> int:
        """Empty the bodies of arrivals received before `received_before` (ISO time), taken in, and whose
        deliveries in the main database (`main`) are all done: no retry, no dead letter left to redrive needs
        them. Ids stay, so a redelivery is still a duplicate. Returns how many bodies were emptied."""
        pruned, after, cursor = 0, 0, _cursor(main)
        while True:
            rows = (
                self._db.connection()
                .execute(
                    "SELECT seq, id FROM arrivals WHERE seq > ? AND seq <= ? AND received_at < ? AND length(body) > 0"
                    " ORDER BY seq LIMIT ?",
                    (after, cursor, received_before, page),
                )
                .fetchall()
            )
            if not rows:
                return pruned
            after = rows[-1]["seq"]
            ids = [row["id"] for row in rows]
            unfinished = {
                row[0]
                for row in main.execute(
                    "SELECT ref FROM deliveries WHERE kind = ? AND status != 'done'"
                    " AND ref IN (SELECT value FROM json_each(?))",
                    (outbox.ARRIVAL, json.dumps(ids)),
                )
            }
            done = [(i,) for i in ids if i not in unfinished]
            with self._db.writing() as conn:  # one short transaction a page: the loop's commits go in between
                conn.executemany("UPDATE arrivals SET body = x'' WHERE id = ?", done)
            pruned += len(done)

    def forget(self) -> int:
        """Delete every arrival (the console's reset): their ids are forgotten too, so a redelivery is new.
        Returns how many. The cursor of the main database stays: new arrivals still come after it."""
        with self._db.writing() as conn:
            return int(conn.execute("DELETE FROM arrivals").rowcount)

    def waiting(self, conn: sqlite3.Connection) -> int:
        """Arrivals stored but not yet moved into the main database (`conn`)."""
        row = self._db.connection().execute("SELECT COUNT(*) FROM arrivals WHERE seq > ?", (_cursor(conn),)).fetchone()
        return int(row[0])


def _cursor(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT seq FROM cursors WHERE name = ?", (_CURSOR,)).fetchone()
    return int(row[0]) if row else 0
