"""One service behind Lambda, driving the kernel: an SQS batch (or a direct EventBridge event, or an arrival
through a door) becomes kernel deliveries; what they publish goes out with PutEvents.

What is this driver's own is transport and the transactional outbox. A delivery's DynamoDB writes are kept by
`TransactionalDynamo` while the handler runs and commit in one TransactWriteItems with the ledger item that
marks the delivery handled and keeps the events it produced (`pending`). Then the events are published, and
the item is marked `done`. A crash anywhere loses nothing: before the commit nothing happened and the retry
runs the handler again; after it, the retry finds the pending events and publishes exactly those (same event
ids, so a receiver's ledger skips a second copy) without running the handler again.
([decision 0006](../../../docs/decisions/0006-transactional-outbox-on-dynamodb.md))
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import events
from adapters.eventbridge.function.publisher import Publisher, entry_of
from adapters.eventbridge.function.state import DynamoLedger, LedgerEntry
from adapters.eventbridge.function.telemetry import Telemetry
from adapters.eventbridge.function.transaction import TransactionalDynamo
from bus.delivery import Parcel, Target, command, deliver, key_of
from bus.envelope import Envelope
from bus.routing import Router, Sealer, edge_target, targets_of
from events import Event
from ports import Arrival, Ports, ServiceDefinition

R = TypeVar("R")

SCHEDULED_SOURCE = "aws.events"
SCHEDULED_DETAIL_TYPE = "Scheduled Event"


class MisroutedEventError(ValueError):
    """The function got an event its service does not receive (a rule or a queue is wired wrong)."""


class UnsupportedInvocationError(ValueError):
    """The Lambda payload is neither an SQS batch nor an EventBridge event."""


Tick = Callable[[Ports], Sequence[Event]]


@dataclass(frozen=True)
class Handled:
    """One parcel a consumer took, and the error if it failed (kept only when a journal is given)."""

    service: str
    parcel: Envelope | Arrival | None
    error: str | None = None


@dataclass(frozen=True)
class Delivered:
    """What one delivery through a door did: the EventBridge ids of what it published, or that it was a
    duplicate (its id handled before, and its events out)."""

    ids: list[str]
    duplicate: bool = False


class ConflictError(RuntimeError):
    """The delivery's transaction lost to a concurrent writer (or a concurrent copy of the same delivery);
    nothing of it was written, and a retry runs it again on what is there now."""


Checkpoint = Callable[[str], None]  # named points of a delivery, for tests that crash there
RELAY_AFTER = 120.0  # seconds: older than any request the ingress still answers (29 s timeout)


@dataclass
class DynamoUnit:
    """The kernel's unit of work on DynamoDB. `handled` answers from the ledger item the consumer read before
    the attempt (`known`); the handler's writes are kept in a transaction (`tx`) and `complete` commits them
    with the ledger item holding what the delivery published, as pending (the consumer sends it, then marks
    the item done)."""

    ports: Ports
    ledger: DynamoLedger | None
    tx: TransactionalDynamo | None = None
    known: LedgerEntry | None = None
    checkpoint: Checkpoint = lambda point: None
    relay: bool = False  # no queue redelivers it: list its pending events for the relay
    completed: list[tuple[str, Sequence[Envelope]]] = field(default_factory=list)

    @contextlib.contextmanager
    def begin(self) -> Iterator[DynamoUnit]:
        if self.tx is not None:
            self.tx.begin()
        try:
            yield self
        finally:
            if self.tx is not None:
                self.tx.end()  # committed in `complete`, or rolled back by forgetting

    def handled(self, target: str, key: str) -> bool:
        return self.known is not None and self.known.done

    def complete(self, published: Sequence[Envelope], *, target: str | None = None, key: str | None = None) -> None:
        mark = f"{target}#{key}" if target is not None and key is not None else f"command#{uuid.uuid4()}"
        self.checkpoint("before-commit")
        extra = [self.ledger.outbox_item(mark, list(published), relay=self.relay)] if self.ledger is not None else []
        if self.tx is not None:
            self.tx.commit(extra, on_conflict=lambda error: ConflictError(f"{mark}: {error}"))
        elif self.ledger is not None and published:
            self.ledger.pending(mark, list(published))
        self.checkpoint("committed")
        self.completed.append((mark, published))


@dataclass
class Consumer:
    definition: ServiceDefinition
    ports: Ports
    publisher: Publisher
    router: Router
    seal: Sealer
    ledger: DynamoLedger | None = None
    tick: Tick | None = None  # what a scheduled invocation runs (the cleaner's timer)
    journal: list[Handled] | None = None  # the offline harness reads it for traces; None in Lambda
    on_publish: Callable[[list[Envelope]], None] | None = None  # sees every envelope sent (harness)
    tx: TransactionalDynamo | None = None  # the state ports' client: their writes commit with the outbox
    checkpoint: Checkpoint = lambda point: None  # tests crash a delivery at a named point
    telemetry: Telemetry | None = None  # JSON logs and metrics (Powertools); made from the service's name

    def __post_init__(self) -> None:
        self.targets = {target.name: target for target in targets_of(self.router, self.definition)}
        if self.telemetry is None:
            self.telemetry = Telemetry(self.service)
        self.log = self.telemetry.logger

    @property
    def service(self) -> str:
        return self.definition.name

    def handle(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The Lambda handler's body: an SQS batch, or one EventBridge event."""
        if "Records" in payload:
            return self.handle_batch(payload["Records"])
        if "detail-type" in payload:
            return {"published": self.handle_envelope(payload)}
        raise UnsupportedInvocationError(
            f"{self.service}: expected an SQS batch (Records) or an EventBridge event (detail-type), "
            f"got keys {sorted(payload)}"
        )

    def handle_batch(self, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        failures = []
        for record in records:
            parcel: Envelope | None = None
            try:
                body: Any = json.loads(record["body"])
                if not isinstance(body, dict):
                    raise UnsupportedInvocationError(f"{self.service}: SQS body is not a JSON object")
                parcel = Envelope.from_wire(body)
                with self._telemetry.delivering(parcel):
                    self._envelope(parcel)
            except Exception as error:
                with self._telemetry.delivering(parcel):
                    self.log.exception("record %s failed; SQS delivers it again", record.get("messageId"))
                failures.append({"itemIdentifier": record["messageId"]})
                self._note(parcel, f"{type(error).__name__}: {error}")
            else:
                self._note(parcel, None)
        return {"batchItemFailures": failures}

    @property
    def _telemetry(self) -> Telemetry:
        assert self.telemetry is not None  # set in __post_init__
        return self.telemetry

    def handle_envelope(self, raw: Mapping[str, Any]) -> list[str]:
        """Handle one event; return the EventBridge ids of the events published in reaction."""
        return self._envelope(Envelope.from_wire(raw))

    def arrive(self, arrival: Arrival) -> Delivered:
        """An arrival through one of this service's doors (admitted there), delivered to its edge now: its
        events are on the bus when this returns."""
        target = self.targets.get(edge_target(self.service, arrival.door))
        if target is None:
            raise MisroutedEventError(f"service {self.service!r} has no door {arrival.door!r}")
        try:
            with self._telemetry.delivering(arrival, target.name):
                delivered = self._deliver(arrival, target)
        except Exception as error:
            with self._telemetry.delivering(arrival, target.name):
                self.log.exception("arrival failed; the door answers 500 and nothing is acknowledged")
            self._note(arrival, f"{type(error).__name__}: {error}")
            raise
        self._note(arrival, None)
        return delivered

    def command(self, work: Callable[[Ports], tuple[R, Sequence[Event]]], correlation_id: str) -> R:
        """An API command with this service's ports; its writes and events commit together, then the events
        are published and let go."""
        unit = self._unit(None, relay=True)
        result, _ = command(self.service, work, unit.begin, self.seal, correlation_id)
        for mark, published in unit.completed:
            if published:
                self._send(published)
                self.checkpoint("published")
                self._finish(mark)
        return result

    def _unit(self, known: LedgerEntry | None, *, relay: bool = False) -> DynamoUnit:
        return DynamoUnit(self.ports, self.ledger, self.tx, known, self.checkpoint, relay)

    def relay_stranded(self, older_than: float = RELAY_AFTER) -> list[str]:
        """Publish what a command or a door's arrival committed but never sent (its function died in between):
        the same envelopes, then done. Run by the ingress function's schedule."""
        ids: list[str] = []
        if self.ledger is None:
            return ids
        for mark, pending in self.ledger.stranded(older_than):
            ids += self._send(pending)
            self._finish(mark)
            self.log.warning("relayed %d event(s) of %s, stranded by a crash", len(pending), mark)
        return ids

    def _envelope(self, envelope: Envelope) -> list[str]:
        if envelope.source == SCHEDULED_SOURCE and envelope.detail_type == SCHEDULED_DETAIL_TYPE:
            return self._run_tick(envelope)
        if envelope.detail_type not in events.REGISTRY:
            raise events.UnknownEventError(envelope.detail_type)
        rules = [rule for rule in self.router.targets(envelope) if rule.name in self.targets]
        if not rules:
            raise MisroutedEventError(
                f"service {self.service!r} got {envelope.detail_type!r} (source {envelope.source}), "
                "which it does not receive"
            )
        return [event_id for rule in rules for event_id in self._deliver(envelope, self.targets[rule.name]).ids]

    def _deliver(self, parcel: Parcel, target: Target) -> Delivered:
        """One kernel attempt, counted; raises its error so that SQS (or the caller) retries."""
        try:
            delivered = self._attempt(parcel, target)
        except Exception:
            self._telemetry.failed()
            raise
        self._telemetry.handled(len(delivered.ids))
        return delivered

    def _attempt(self, parcel: Parcel, target: Target) -> Delivered:
        mark = f"{target.name}#{key_of(parcel)}"
        known = self.ledger.lookup(mark) if self.ledger is not None else None
        if known is not None and not known.done:
            ids = self._send(known.pending)  # the handler committed before; only its events are not out yet
            self.checkpoint("published")
            self._finish(mark)
            return Delivered(ids)
        unit = self._unit(known, relay=isinstance(parcel, Arrival))
        outcome = deliver(parcel, target, unit.begin, self.seal)
        if outcome.error is not None:
            raise outcome.error
        if outcome.duplicate:
            return Delivered([], duplicate=True)
        if not outcome.published:
            return Delivered([])  # the commit marked it done already
        ids = self._send(outcome.published)
        self.checkpoint("published")
        self._finish(mark)
        return Delivered(ids)

    def _finish(self, mark: str) -> None:
        if self.ledger is not None:
            self.ledger.done(mark)

    def _run_tick(self, envelope: Envelope) -> list[str]:
        if self.tick is None:
            raise MisroutedEventError(f"service {self.service!r} has no scheduled work, got a scheduled event")
        tick = self.tick
        return self._send(self.seal(self.service, tick(self.ports), envelope.id, None))

    def _send(self, envelopes: Sequence[Envelope]) -> list[str]:
        if not envelopes:
            return []
        now = self.ports.clock.now()
        ids = self.publisher.publish([entry_of(e, now) for e in envelopes])
        if self.on_publish is not None:
            self.on_publish(list(envelopes))
        self.log.info("published %s", ", ".join(f"{e.detail_type} {e.event_id}" for e in envelopes))
        return ids

    def _note(self, parcel: Envelope | Arrival | None, error: str | None) -> None:
        if self.journal is not None:
            self.journal.append(Handled(self.service, parcel, error))
