"""The kernel's unit of work on SQLite: a savepoint inside the worker's batch transaction (or a transaction of
its own, for an API command). The handler's table writes, the ledger row that says the target handled the
parcel and the events it published (archived, with their deliveries) commit together, or not at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from adapters.local import outbox
from adapters.local.db import Database
from bus.envelope import Envelope
from bus.routing import Router
from ports import Ports


@dataclass
class SqliteUnit:
    conn: sqlite3.Connection
    ports: Ports
    router: Router
    _claimed: set[tuple[str, str]] = field(default_factory=set)

    def handled(self, target: str, key: str) -> bool:
        """Whether `target` handled `key` before; if not, the ledger row is written now, in one statement (the
        unit's rollback takes it back when the work fails, so a retry finds the parcel unhandled)."""
        claimed = self.conn.execute("INSERT OR IGNORE INTO handled (target, key) VALUES (?, ?)", (target, key))
        if claimed.rowcount:
            self._claimed.add((target, key))
        return not claimed.rowcount

    def complete(self, published: Sequence[Envelope], *, target: str | None = None, key: str | None = None) -> None:
        if target is not None and key is not None and (target, key) not in self._claimed:
            self.conn.execute("INSERT INTO handled (target, key) VALUES (?, ?)", (target, key))
        outbox.publish(self.conn, self.router, published, self.ports.clock.now())


@contextmanager
def savepoint(conn: sqlite3.Connection, ports: Ports, router: Router) -> Iterator[SqliteUnit]:
    """A unit inside the caller's open transaction: rolled back alone when the work raises."""
    conn.execute("SAVEPOINT unit")
    try:
        yield SqliteUnit(conn, ports, router)
    except BaseException:
        conn.execute("ROLLBACK TO unit")
        conn.execute("RELEASE unit")
        raise
    conn.execute("RELEASE unit")


@contextmanager
def transaction(db: Database, ports: Ports, router: Router) -> Iterator[SqliteUnit]:
    """A unit in a write transaction of its own (an API command), on the calling thread's connection."""
    with db.writing() as conn:
        yield SqliteUnit(conn, ports, router)
