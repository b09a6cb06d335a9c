"""The kernel's unit of work on SQLite: a savepoint inside the worker's batch transaction (or a transaction of
its own, for an API command). The handler's table writes, the ledger row that says the target handled the
parcel and the events it published (archived, with their deliveries) commit together, or not at all.

In the worker, a unit may leave the published events' deliveries to the worker (`queue=False`): it runs them
in the same transaction and queues, before it commits, only what it did not run. Such a delivery was never
queued, so no ledger mark is needed for it (`ledger=False`): nothing can have handled it before, and nothing
will deliver it again."""

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
    queue: bool = True  # False: archive what the work publishes; its deliveries and trace are the caller's
    ledger: bool = True  # False: the parcel was never queued (no row to deliver it again): no mark to keep
    _claimed: set[tuple[str, str]] = field(default_factory=set)

    def handled(self, target: str, key: str) -> bool:
        """Whether `target` handled `key` before; if not, the ledger row is written now, in one statement (the
        unit's rollback takes it back when the work fails, so a retry finds the parcel unhandled)."""
        if not self.ledger:
            return False
        claimed = self.conn.execute("INSERT OR IGNORE INTO handled (target, key) VALUES (?, ?)", (target, key))
        if claimed.rowcount:
            self._claimed.add((target, key))
        return not claimed.rowcount

    def complete(self, published: Sequence[Envelope], *, target: str | None = None, key: str | None = None) -> None:
        if self.ledger and target is not None and key is not None and (target, key) not in self._claimed:
            self.conn.execute("INSERT INTO handled (target, key) VALUES (?, ?)", (target, key))
        if self.queue:
            outbox.publish(self.conn, self.router, published, self.ports.clock.now())
        else:
            outbox.archive(self.conn, published, self.ports.clock.now())


@contextmanager
def savepoint(
    conn: sqlite3.Connection, ports: Ports, router: Router, *, queue: bool = True, ledger: bool = True
) -> Iterator[SqliteUnit]:
    """A unit inside the caller's open transaction: rolled back alone when the work raises."""
    conn.execute("SAVEPOINT unit")
    try:
        yield SqliteUnit(conn, ports, router, queue, ledger)
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
