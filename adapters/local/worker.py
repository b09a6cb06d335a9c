"""The delivery worker: one thread that runs due deliveries in SQLite transactions, through the kernel.

A batch is one transaction; each delivery is one kernel attempt (`bus.delivery.deliver`) in a savepoint of
it (`unit.savepoint`): the handler's writes, the ledger row and the events it published commit together.
A failure is settled by the kernel's policy (`bus.retry.settle_failure`): a retry at a later `next_due`, or
a dead letter. What is the worker's own: the rows, the batching, and giving way to the webhook door.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Protocol

from adapters.local import outbox
from adapters.local.calls import calling
from adapters.local.db import Database
from adapters.local.unit import savepoint
from bus.deadletters import DeadLetter
from bus.delivery import Outcome, Parcel, Target, deliver
from bus.envelope import Envelope
from bus.retry import RetryPolicy, settle_failure
from bus.routing import Router, Sealer
from ports import Arrival, Ports

log = logging.getLogger("wingcloud.worker")

_BATCH = 64
_BATCH_SECONDS = 0.05
_MAX_PAUSE = 1.0
# Envelopes this worker sealed or loaded, kept for the deliveries still to come: an event is then read from
# SQLite and validated on receipt once, not once per batch its targets fall into (a backlog of a thousand
# webhooks publishes a few thousand events before the first of them is delivered). About 3 KB each.
_RECENT_ENVELOPES = 8192
# The worker's connection keeps up to 64 MiB of pages (SQLite's default is 2): the ledgers' indexes outgrow 2 MiB
# after a few thousand workflows, and every delivery then read their pages back from the OS. The doors' and the
# API's connections keep the default (there are many of them, and they read little).
_PAGE_CACHE_KIB = 64 * 1024


class Intake(Protocol):
    """Where the doors' arrivals wait to be taken in (`adapters.local.inbox.Inbox`)."""

    def busy(self) -> bool: ...
    def move_arrivals(self, conn: sqlite3.Connection, doors: Mapping[str, Target], at: datetime) -> int: ...
    def arrival(self, key: str) -> Arrival: ...


class Worker:
    """Delivers due work until stopped; `run_once` is the unit the thread repeats (tests call it directly)."""

    def __init__(
        self,
        db: Database,
        router: Router,
        targets: Mapping[str, Target],
        doors: Mapping[str, Target],
        ports: Ports,
        seal: Sealer,
        *,
        policy: RetryPolicy,
        on_commit: Callable[[], None] = lambda: None,
        inbox: Intake,
    ) -> None:
        self._db, self._router, self._ports, self._seal = db, router, ports, seal
        self.targets, self._doors, self._inbox = targets, doors, inbox
        self._policy = policy
        self._on_commit = on_commit
        self._rng = random.Random()
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._arrivals: dict[str, Arrival] = {}
        self._envelopes: OrderedDict[str, Envelope] = OrderedDict()

    # --- thread ---------------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="wingcloud-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        conn = self._db.connection()
        conn.execute(f"PRAGMA cache_size = -{_PAGE_CACHE_KIB}")
        while not self._stop.is_set():
            self.wake.clear()
            try:
                self._give_way()
                if self.run_once():
                    continue
                wait = outbox.next_due_in(conn, self._ports.clock.now())
            except sqlite3.Error:
                log.exception("delivery batch failed; retrying")
                wait = 1.0
            self.wake.wait(1.0 if wait is None else min(wait, 1.0))

    def _give_way(self) -> None:
        """While webhooks pour in, acknowledging them comes first (GitHub waits at most 10 s); the backlog is
        durable. The pause is bounded, so a steady stream still gets its deliveries worked off."""
        paused = time.monotonic()
        while self._inbox.busy() and time.monotonic() - paused < _MAX_PAUSE:
            time.sleep(0.01)

    # --- one batch ------------------------------------------------------------------------------------

    def run_once(self, limit: int = _BATCH) -> int:
        """Take in new arrivals and run up to `limit` due deliveries, in one transaction; returns how many
        arrivals and deliveries that was."""
        started = time.monotonic()
        self._arrivals = {}  # an arrival read once, however many of its targets are in this batch
        now = self._ports.clock.now()
        with self._db.writing() as conn:
            moved = self._inbox.move_arrivals(conn, self._doors, now)
            batch = outbox.due(conn, limit, now)
            for done, item in enumerate(batch, 1):
                self._deliver(conn, item)
                if time.monotonic() - started > _BATCH_SECONDS:  # let the doors' writes in
                    batch = batch[:done]
                    break
        if batch or moved:
            self._on_commit()
        return len(batch) + moved

    def _deliver(self, conn: sqlite3.Connection, item: outbox.DueDelivery) -> None:
        target = self.targets[item.target]
        parcel = self._parcel(conn, item)
        started = time.perf_counter()
        with calling(target.service, target.name, item.correlation_id):
            outcome = deliver(parcel, target, lambda: savepoint(conn, self._ports, self._router), self._seal)
        # the attempt's wall time: validation on receipt, the handler with its outside calls, its writes
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        if outcome.error is None:
            self._remember(outcome.published)
            outbox.mark_done(conn, item)
            outbox.trace(
                conn,
                "delivered",
                parcel,
                self._ports.clock.now(),
                source=target.trigger,
                target_service=target.service,
                target=target.name,
                attempt=item.attempts + 1,
                duration_ms=duration_ms,
            )
            return
        self._settle(conn, item, target, parcel, outcome, duration_ms)

    def _parcel(self, conn: sqlite3.Connection, item: outbox.DueDelivery) -> Parcel:
        if item.kind == outbox.EVENT:
            envelope = self._envelopes.get(item.ref)
            if envelope is None:
                envelope = outbox.envelope_of(conn, item.ref)
                self._remember((envelope,))
            return envelope
        arrival = self._arrivals.get(item.ref)
        if arrival is None:
            arrival = self._arrivals[item.ref] = self._inbox.arrival(item.ref)
        return arrival

    def _remember(self, envelopes: Iterable[Envelope]) -> None:
        """Keep envelopes (frozen, already validated) for their deliveries; the oldest go first. One that was
        rolled back with its batch is never asked for: no delivery row refers to it."""
        for envelope in envelopes:
            self._envelopes[envelope.event_id] = envelope
        while len(self._envelopes) > _RECENT_ENVELOPES:
            self._envelopes.popitem(last=False)

    def _settle(
        self,
        conn: sqlite3.Connection,
        item: outbox.DueDelivery,
        target: Target,
        parcel: Parcel,
        outcome: Outcome,
        duration_ms: float,
    ) -> None:
        attempt, now = item.attempts + 1, self._ports.clock.now()
        if outcome.rejected is not None:
            outbox.trace(conn, "rejected", outcome.rejected, now, error=str(outcome.error))
        facts = {"source": target.trigger, "target_service": target.service, "target": target.name}
        outbox.trace(
            conn, "failed", parcel, now, attempt=attempt, error=outcome.summary, duration_ms=duration_ms, **facts
        )
        settled = settle_failure(
            target,
            parcel,
            outcome,
            attempts=attempt,
            since=datetime.fromtimestamp(item.created_at, UTC),
            now=now,
            policy=self._policy,
            rng=self._rng,
            new_letter_id=lambda: f"dlq_{uuid.uuid4().hex}",
        )
        if isinstance(settled, DeadLetter):
            outbox.file_dead_letter(conn, settled, item.id)
            log.error("delivery of %s to %s dead-lettered: %s", item.ref, item.target, outcome.summary)
            return
        outbox.schedule_retry(conn, item, settled, outcome.summary)
        outbox.trace(conn, "retry-scheduled", parcel, now, attempt=attempt + 1, **facts)
        log.warning("delivery of %s to %s failed (%s); retry at %s", item.ref, item.target, outcome.summary, settled)


__all__ = ["Worker"]
