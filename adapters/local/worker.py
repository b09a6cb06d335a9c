"""The delivery worker: one thread that runs due deliveries in SQLite transactions.

Each delivery runs inside a SAVEPOINT of a batch transaction: the handler's table writes, the events it
returned (archived, with their own deliveries) and the delivery's `done` mark commit together, or not at all.
Failures are settled with the simulator's own rules (`bus.delivery.attempt` / `settle_failure`, i.e.
`bus.retry.RetryPolicy`): a retry at a later `next_due`, or a dead letter.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from adapters.local import outbox
from adapters.local.db import Database
from adapters.local.edges import edge_envelope, report_from_json
from adapters.local.inbox import Stored
from bus.deadletters import CONTRACT_VIOLATION, INVALID_EVENT
from bus.delivery import Delivery, Outcome, Parcel, Target, attempt, settle_failure
from bus.retry import RetryPolicy
from bus.routing import ContractViolationError, Envelope, InvalidEventError, Router
from events import Event
from ports import Handler, Ports, RuntimeReport, WebhookDelivery
from spec.contract import Rule

log = logging.getLogger("wingcloud.worker")

_BATCH = 64
_BATCH_SECONDS = 0.05
_MAX_PAUSE = 1.0


class Intake(Protocol):
    """Where the edges' arrivals wait to be taken in (`adapters.local.inbox.Inbox`)."""

    def busy(self) -> bool: ...
    def move_arrivals(self, conn: sqlite3.Connection) -> int: ...
    def arrival(self, arrival_id: str) -> Stored: ...


@dataclass(frozen=True)
class Edges:
    """The services' entry points for what arrives from outside the bus."""

    ingest_webhook: Callable[[WebhookDelivery, Ports], Sequence[Event]]
    accept_report: Callable[[RuntimeReport, Ports], Sequence[Event]]
    rejections: tuple[type[Exception], ...] = ()  # errors that say the delivery is malformed


class _Failed(Exception):
    def __init__(self, delivery: Delivery, outcome: Outcome) -> None:
        super().__init__(outcome.summary)
        self.delivery = delivery
        self.outcome = outcome


class Worker:
    """Delivers due work until stopped; `run_once` is the unit the thread repeats (tests call it directly)."""

    def __init__(
        self,
        db: Database,
        router: Router,
        handlers: Mapping[str, Handler],
        ports: Ports,
        edges: Edges,
        *,
        policy: RetryPolicy,
        account: str = "123456789012",
        region: str = "local",
        on_commit: Callable[[], None] = lambda: None,
        inbox: Intake,
    ) -> None:
        self._inbox = inbox
        self._db, self._router, self._ports, self._edges = db, router, ports, edges
        self._handlers = handlers
        self._policy = policy
        self._account, self._region = account, region
        self._on_commit = on_commit
        self._rng = random.Random()
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._parcels: dict[str, Parcel] = {}

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
        while not self._stop.is_set():
            self.wake.clear()
            try:
                self._give_way()
                if self.run_once():
                    continue
                wait = outbox.next_due_in(conn)
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
        self._parcels = {}  # one validation per event, however many of its rules are in this batch
        with self._db.writing() as conn:
            moved = self._inbox.move_arrivals(conn)
            batch = outbox.due(conn, limit)
            for done, item in enumerate(batch, 1):
                conn.execute("SAVEPOINT delivery")
                try:
                    self._deliver(conn, item)
                except _Failed as failed:
                    conn.execute("ROLLBACK TO delivery")
                    self._settle(conn, item, failed)
                conn.execute("RELEASE delivery")
                if time.monotonic() - started > _BATCH_SECONDS:  # let the edges' writes in
                    batch = batch[:done]
                    break
        if batch or moved:
            self._on_commit()
        return len(batch) + moved

    def _deliver(self, conn: sqlite3.Connection, item: outbox.DueDelivery) -> None:
        if item.kind == outbox.EVENT:
            delivery = self._event_delivery(conn, item)
            outcome = attempt(delivery, self.seal)
        else:
            delivery, outcome = self._edge_attempt(conn, item)
        if outcome.error is not None:
            raise _Failed(delivery, outcome)
        outbox.publish(conn, self._router, outcome.published)
        outbox.mark_done(conn, item)
        outbox.trace(
            conn, "delivered", delivery.envelope, target=item.service, rule=item.rule, attempt=item.attempts + 1
        )

    def _settle(self, conn: sqlite3.Connection, item: outbox.DueDelivery, failed: _Failed) -> None:
        delivery, outcome = failed.delivery, failed.outcome
        if outcome.rejected is not None:
            outbox.trace(conn, "rejected", outcome.rejected, error=str(outcome.error))
        outbox.trace(
            conn,
            "failed",
            delivery.envelope,
            target=item.service,
            rule=item.rule,
            attempt=delivery.attempts,
            error=outcome.summary,
        )
        now = datetime.now(UTC)
        settled = settle_failure(delivery, outcome, self._policy, self._rng, now, lambda: f"dlq_{uuid.uuid4().hex}")
        if isinstance(settled, datetime):
            outbox.schedule_retry(conn, item, settled, outcome.summary)
            outbox.trace(
                conn,
                "retry-scheduled",
                delivery.envelope,
                target=item.service,
                rule=item.rule,
                attempt=delivery.attempts + 1,
            )
            log.warning("delivery %s to %s failed (%s); retry at %s", item.ref, item.rule, outcome.summary, settled)
        else:
            outbox.file_dead_letter(conn, settled, item.id)
            log.error("delivery %s to %s dead-lettered: %s", item.ref, item.rule, outcome.summary)

    # --- deliveries of bus events ----------------------------------------------------------------------

    def _event_delivery(self, conn: sqlite3.Connection, item: outbox.DueDelivery) -> Delivery:
        parcel = self._parcels.get(item.ref)
        if parcel is None:
            parcel = self._parcels[item.ref] = Parcel(outbox.envelope_of(conn, item.ref))
        rule = self._router.rules.get(item.rule) or Rule(item.rule, item.service, "", "", {})
        handler = self._handlers.get(item.rule, _no_handler(item.rule))
        since = datetime.fromtimestamp(item.created_at, UTC)
        return Delivery(parcel, Target(rule, handler, self._ports), since, attempts=item.attempts)

    def seal(
        self, service: str, batch: Sequence[Event], correlation_id: str | None, causation_id: str | None
    ) -> list[Envelope]:
        """Envelopes for what `service` emitted, stamped with this process's account and region."""
        return self._router.envelopes(
            service,
            list(batch),
            new_id=lambda: str(uuid.uuid4()),
            time=self._ports.clock.now(),
            correlation_id=correlation_id,
            causation_id=causation_id,
            account=self._account,
            region=self._region,
        )

    # --- deliveries from the edges (webhooks, runtime reports) -----------------------------------------

    def _edge_attempt(self, conn: sqlite3.Connection, item: outbox.DueDelivery) -> tuple[Delivery, Outcome]:
        arrival = self._inbox.arrival(item.ref)
        envelope = edge_envelope(item.kind, item.ref, arrival.name, item.correlation_id, arrival.received_at)
        rule = Rule(item.rule, item.service, str(envelope["detail-type"]), "", {})
        since = datetime.fromtimestamp(item.created_at, UTC)
        delivery = Delivery(Parcel(envelope), Target(rule, _no_handler(item.rule), self._ports), since, item.attempts)
        delivery.attempts += 1
        try:
            if item.kind == outbox.WEBHOOK:
                outputs = self._edges.ingest_webhook(WebhookDelivery(arrival.name, item.ref, arrival.body), self._ports)
            else:
                outputs = self._edges.accept_report(report_from_json(arrival.body), self._ports)
            published = self.seal(item.service, outputs, item.correlation_id, None)
        except ContractViolationError as error:
            return delivery, Outcome([], CONTRACT_VIOLATION, error)
        except InvalidEventError as error:
            return delivery, Outcome([], INVALID_EVENT, error, rejected=error.envelope)
        except self._edges.rejections as error:  # the delivery itself is bad: no retry can fix it
            return delivery, Outcome([], type(error).__name__, error)
        except Exception as error:  # retried like any failing target
            return delivery, Outcome([], type(error).__name__, error, retryable=True)
        return delivery, Outcome(published)


def _no_handler(rule: str) -> Handler:
    def missing(event: Event, ports: Ports) -> Sequence[Event]:
        raise ContractViolationError(f"no handler is registered for rule {rule!r}", service=rule.split("--")[0])

    return missing


__all__ = ["Edges", "Worker"]
