"""The delivery worker: one thread that runs due deliveries in SQLite transactions, through the kernel.

A batch is one transaction; each delivery is one kernel attempt (`bus.delivery.deliver`) in a savepoint of
it (`unit.savepoint`): the handler's writes, the ledger row and the events it published commit together.
A failure is settled by the kernel's policy (`bus.retry.settle_failure`): a retry at a later `next_due`, or
a dead letter. What is the worker's own: the rows, the batching, and giving way to the webhook door.

The events a delivery publishes are delivered next, in the same transaction (depth first: a workflow runs on
before the next queued delivery starts), and only what the batch's time leaves undelivered is queued as rows
when it commits. A delivery run that way was never a row: it needs no ledger mark and no `done` update, and
the archive, the trace and the effects still commit together (a crash loses all of the batch, or none). A
failed one becomes a row then, with its retry or its dead letter, as any other.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
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
# A batch takes no new queued delivery after this long. What a delivery publishes is still run, so a workflow's
# events keep their order (a queued report would otherwise overtake the rest of the previous one's cascade),
# up to _CASCADE_SECONDS: past that, what is left is queued behind what was due, as it would be on EventBridge.
_BATCH_SECONDS = 0.05
_CASCADE_SECONDS = 1.0
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
        hold: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        """`hold`: keeps the records of the outside calls a batch makes until it ends, just before it commits."""
        self._db, self._router, self._ports, self._seal = db, router, ports, seal
        self.targets, self._doors, self._inbox = targets, doors, inbox
        self._policy = policy
        self._on_commit = on_commit
        self._hold = hold
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
        """Take in new arrivals and run up to `limit` due deliveries with what they publish, in one transaction;
        returns how many arrivals and deliveries that was."""
        started = time.monotonic()
        self._arrivals = {}  # an arrival read once, however many of its targets are in this batch
        now = self._ports.clock.now()
        with self._db.writing() as conn:
            moved = self._inbox.move_arrivals(conn, self._doors, now)
            work = deque(outbox.due(conn, limit, now))
            with self._hold():
                ran = self._run(conn, work, started)
            self._queue(conn, work)
        if ran or moved:
            self._on_commit()
        return ran + moved

    def _run(self, conn: sqlite3.Connection, work: deque[outbox.DueDelivery], started: float) -> int:
        """Deliver from the front of `work`, each delivery's own deliveries next, until the batch's time is up;
        what is left stays in `work`. Returns how many deliveries ran."""
        ran = 0
        while work:
            published = self._deliver(conn, work.popleft())
            ran += 1
            work.extendleft(reversed(self._unqueued(published)))  # depth first, in publishing order
            took = time.monotonic() - started
            if took > _CASCADE_SECONDS or (took > _BATCH_SECONDS and (not work or work[0].id is not None)):
                break  # let the doors' writes in: between two queued deliveries, or in a cascade too long
        return ran

    def _unqueued(self, published: Iterable[Envelope]) -> list[outbox.DueDelivery]:
        """The deliveries of events just published, to run in this transaction (no row yet)."""
        return [
            outbox.DueDelivery(
                None,
                outbox.EVENT,
                envelope.event_id,
                rule.name,
                rule.service,
                envelope.correlation_id,
                0,
                self._ports.clock.now().timestamp(),
            )
            for envelope in published
            for rule in self._router.targets(envelope)
        ]

    def _queue(self, conn: sqlite3.Connection, left: Iterable[outbox.DueDelivery]) -> None:
        """Queue, as rows, the deliveries of this transaction's events it did not get to; queued ones that
        were not reached stay pending as they were."""
        for item in left:
            if item.id is None:
                self._enqueue(conn, item)

    def _enqueue(self, conn: sqlite3.Connection, item: outbox.DueDelivery) -> outbox.DueDelivery:
        envelope = self._envelopes.get(item.ref) or outbox.envelope_of(conn, item.ref)
        queued = outbox.enqueue(conn, envelope, item.target, item.service, datetime.fromtimestamp(item.created_at, UTC))
        if queued is None:  # an event id is new when it is sealed: its deliveries are queued once
            raise sqlite3.IntegrityError(f"delivery of {item.ref} to {item.target} was queued twice")
        return replace(item, id=queued)

    def _deliver(self, conn: sqlite3.Connection, item: outbox.DueDelivery) -> tuple[Envelope, ...]:
        """One attempt; returns what it published (its deliveries are the caller's to run or queue)."""
        target = self.targets[item.target]
        parcel = self._parcel(conn, item)
        queued = item.id is not None
        started = time.perf_counter()
        with calling(target.service, target.name, item.correlation_id):
            outcome = deliver(
                parcel,
                target,
                lambda: savepoint(conn, self._ports, self._router, queue=False, ledger=queued),
                self._seal,
            )
        # the attempt's wall time: validation on receipt, the handler with its outside calls, its writes
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        if outcome.error is None:
            self._remember(outcome.published)
            if queued:
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
            return outcome.published
        if not queued:  # its retry, or its dead letter, needs the row it never had
            item = self._enqueue(conn, item)
        self._settle(conn, item, target, parcel, outcome, duration_ms)
        return ()

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
