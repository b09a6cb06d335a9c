"""The kernel's unit of work on SQLite: a savepoint inside the worker's batch transaction (or a transaction of
its own, for an API command). The handler's table writes, the ledger row that says the target handled the
parcel and the events it published (archived, with their deliveries) commit together, or not at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

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

    def handled(self, target: str, key: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM handled WHERE target = ? AND key = ?", (target, key)).fetchone()
        return row is not None

    def complete(self, published: Sequence[Envelope], *, target: str | None = None, key: str | None = None) -> None:
        if target is not None and key is not None:
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
