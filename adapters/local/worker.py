"""The delivery worker: one thread that runs due deliveries in SQLite transactions, through the kernel.

A batch is one transaction; each delivery is one kernel attempt (`bus.delivery.deliver`) in a savepoint of
it (`unit.savepoint`): the handler's writes, the ledger row and the events it published commit together.
A failure is settled by the kernel's policy (`bus.retry.settle_failure`): a retry at a later `next_due`, or
a dead letter. What is the worker's own: the rows, the batching, and giving way to the webhook door.

The events a delivery publishes are delivered next, in the same transaction, and only what the batch's time
leaves undelivered is queued as rows when it commits. A delivery run that way was never a row: it needs no
ledger mark and no `done` update, and the archive, the trace and the effects still commit together (a crash
loses all of the batch, or none). A failed one becomes a row then, with its retry or its dead letter.

A batch takes the due deliveries a group at a time and runs each group with everything it sets off, breadth
first (hop by hop, as queued rows ran before), before it takes the next group. Under a backlog the work piles
up as it did on rows: the reports of one deployment that arrived together are applied before the PR comment
is rendered, once. A batch stops when its time is up, wherever it is; what it leaves is queued to continue
before anything else that is due, so a report never overtakes what the report before it set off.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
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

# Due deliveries taken at a time; a group runs with everything it sets off before the next is taken. A batch
# stops after _BATCH_SECONDS (the API's writes wait for it, and the webhook door shares the interpreter).
_GROUP = 8
_BATCH_SECONDS = 0.05
_MAX_PAUSE = 1.0
# Envelopes this worker sealed or loaded, kept for the deliveries still to come (those a batch left queued):
# an event is then read from SQLite and validated on receipt once, not once per batch its targets fall into.
# A batch of 50 ms leaves a few hundred at most. Each is about 22 objects the garbage collector tracks, and a
# full collection walks every one of them: 8,192 kept made full collections of 100-170 ms in a drain.
_RECENT_ENVELOPES = 1024
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
        self._traced: list[outbox.TraceRow] = []  # the batch's trace rows, appended in one go (`_write_trace`)
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

    def run_once(self, limit: int = _GROUP) -> int:
        """Take in new arrivals, then run due deliveries `limit` at a time with what they publish, in one
        transaction; returns how many arrivals and deliveries that was."""
        started = time.monotonic()
        self._arrivals = {}  # an arrival read once, however many of its targets are in this batch
        now = self._ports.clock.now()
        with self._db.writing() as conn:
            moved = self._inbox.move_arrivals(conn, self._doors, now)
            self._traced = []  # what a failed batch left here was rolled back with it
            with self._hold():
                ran, left = self._run(conn, limit, now, started)
            self._write_trace(conn)
            self._queue(conn, left)
        if ran or moved:
            self._on_commit()
        return ran + moved

    def _run(
        self, conn: sqlite3.Connection, limit: int, now: datetime, started: float
    ) -> tuple[int, deque[outbox.DueDelivery]]:
        """Groups of due deliveries, each run breadth first to the end of what it sets off, until none is due or
        the batch's time is up. Returns how many deliveries ran, and what the batch did not get to."""
        ran = 0
        while work := deque(outbox.due(conn, limit, now)):
            while work:
                published = self._deliver(conn, work.popleft())
                ran += 1
                work.extend(self._unqueued(published))
                if time.monotonic() - started > _BATCH_SECONDS:
                    return ran, work
        return ran, work

    def _unqueued(self, published: Sequence[Envelope]) -> list[outbox.DueDelivery]:
        """The deliveries of events just published, to run in this transaction (no row yet)."""
        if not published:
            return []
        now = self._ports.clock.now().timestamp()
        return [
            outbox.DueDelivery(
                None, outbox.EVENT, envelope.event_id, rule.name, rule.service, envelope.correlation_id, 0, now
            )
            for envelope in published
            for rule in self._router.targets(envelope)
        ]

    def _queue(self, conn: sqlite3.Connection, left: Iterable[outbox.DueDelivery]) -> None:
        """Queue, as rows due before anything else, the deliveries of this transaction's events it did not get
        to, in their order; queued ones that were not reached stay pending as they were."""
        for item in left:
            if item.id is None:
                self._enqueue(conn, item, next_due=outbox.CONTINUED)

    def _enqueue(
        self, conn: sqlite3.Connection, item: outbox.DueDelivery, next_due: float | None = None
    ) -> outbox.DueDelivery:
        envelope = self._envelopes.get(item.ref) or outbox.envelope_of(conn, item.ref)
        made = datetime.fromtimestamp(item.created_at, UTC)
        queued = outbox.enqueue(conn, envelope, item.target, item.service, made, next_due=next_due)
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
            now = self._ports.clock.now()
            self._traced.extend(outbox.trace_row("published", envelope, now) for envelope in outcome.published)
            self._traced.append(
                outbox.trace_row(
                    "delivered",
                    parcel,
                    now,
                    source=target.trigger,
                    target_service=target.service,
                    target=target.name,
                    attempt=item.attempts + 1,
                    duration_ms=duration_ms,
                )
            )
            return outcome.published
        if not queued:  # its retry, or its dead letter, needs the row it never had
            item = self._enqueue(conn, item)
        self._write_trace(conn)  # the steps before this one keep their place in the trace
        self._settle(conn, item, target, parcel, outcome, duration_ms)
        return ()

    def _write_trace(self, conn: sqlite3.Connection) -> None:
        """Append the trace rows kept so far (a handler's `published` events, then its `delivered` step)."""
        if self._traced:
            outbox.write_trace(conn, self._traced)
            self._traced = []

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
