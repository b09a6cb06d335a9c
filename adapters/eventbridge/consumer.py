"""One service's handlers behind Lambda: unwrap the EventBridge envelope at the edge, validate the detail
against the spec, run the handler, publish what it returns with correlation and causation filled in.

SQS batches report failed records in `batchItemFailures`, so only those are retried (and, after the queue's
maxReceiveCount, moved to its dead-letter queue). A direct EventBridge invocation raises instead, leaving
the retry to Lambda's asynchronous invocation.

State changes and PutEvents cannot share a transaction here (the local backend's SQLite can), so a retry
after a failed publish must neither skip the event as a duplicate nor lose what the first attempt produced:
idempotency keys are recorded only after the publish (`unit_of_work`), and the sealed events are kept in an
outbox until sent, so the retry sends them again instead of re-running a handler that would now produce
nothing.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import Field

import events
from adapters.eventbridge.publisher import Publisher, entry_of
from adapters.eventbridge.state import DeferredDedupe, DynamoDedupe, DynamoOutbox
from bus.routing import Router, receive
from events import Envelope, Event
from ports import Handler, Ports, ServiceDefinition

log = logging.getLogger("wingcloud.eventbridge")

SCHEDULED_SOURCE = "aws.events"
SCHEDULED_DETAIL_TYPE = "Scheduled Event"


class IncomingEnvelope(Envelope):
    """Any EventBridge event, before its detail-type is known to be ours."""

    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any]


class MisroutedEventError(ValueError):
    """The function got an event its service does not receive (a rule or a queue is wired wrong)."""


class UnsupportedInvocationError(ValueError):
    """The Lambda payload is neither an SQS batch nor an EventBridge event."""


Tick = Callable[[Ports], Sequence[Event]]
Sealed = dict[str, Any]  # an envelope as the bus helpers build it, ready for PutEvents


@dataclass(frozen=True)
class Handled:
    """One envelope a consumer took, and the error if it failed (kept only when a journal is given)."""

    service: str
    envelope: Mapping[str, Any]
    error: str | None = None


@dataclass
class Consumer:
    definition: ServiceDefinition
    ports: Ports
    publisher: Publisher
    router: Router
    tick: Tick | None = None  # what a scheduled invocation runs (the cleaner's timer)
    account: str = "000000000000"
    region: str = "us-east-1"
    new_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))
    journal: list[Handled] | None = None  # the offline harness reads it for traces; None in Lambda
    on_publish: Callable[[list[dict[str, Any]]], None] | None = None  # sees every envelope sent (harness)
    outbox: DynamoOutbox | None = None

    def __post_init__(self) -> None:
        self.router.check_handlers(self.definition)

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
            body: Any = None
            try:
                body = json.loads(record["body"])
                if not isinstance(body, dict):
                    raise UnsupportedInvocationError(f"{self.service}: SQS body is not a JSON object")
                self.handle_envelope(body)
            except Exception as error:
                log.exception("%s: record %s failed; it will be retried", self.service, record.get("messageId"))
                failures.append({"itemIdentifier": record["messageId"]})
                self._note(body, f"{type(error).__name__}: {error}")
            else:
                self._note(body, None)
        return {"batchItemFailures": failures}

    def _note(self, envelope: Any, error: str | None) -> None:
        if self.journal is not None:
            self.journal.append(Handled(self.service, envelope if isinstance(envelope, dict) else {}, error))

    def handle_envelope(self, raw: Mapping[str, Any]) -> list[str]:
        """Handle one event; return the EventBridge ids of the events published in reaction."""
        envelope = IncomingEnvelope.model_validate(raw)
        if envelope.source == SCHEDULED_SOURCE and envelope.detail_type == SCHEDULED_DETAIL_TYPE:
            return self._run_tick(envelope)
        event, handler = self._accept(envelope, raw)
        metadata = event.metadata  # type: ignore[attr-defined]  # every generated model has it
        if self.outbox is not None and (kept := self.outbox.get(metadata.event_id)) is not None:
            ids = self._send(kept)  # the handler ran before; only the publish of its events failed
            self.outbox.done(metadata.event_id)
            return ids
        with self.unit_of_work() as ports:
            sealed = self.seal(
                handler(event, ports), correlation_id=metadata.correlation_id, causation_id=metadata.event_id
            )
            if self.outbox is not None and sealed:
                self.outbox.put(metadata.event_id, sealed)
            ids = self._send(sealed)
        if self.outbox is not None and sealed:
            self.outbox.done(metadata.event_id)
        return ids

    def _accept(self, envelope: IncomingEnvelope, raw: Mapping[str, Any]) -> tuple[Event, Handler]:
        """The typed event (its detail validated against the spec, metadata included) and its handler."""
        if envelope.detail_type not in events.REGISTRY:
            raise events.UnknownEventError(envelope.detail_type)
        event = receive(dict(raw))
        handler = self.definition.handlers.get(type(event))
        if handler is None:
            raise MisroutedEventError(
                f"service {self.service!r} got {envelope.detail_type!r} (source {envelope.source}), "
                "which it does not receive"
            )
        return event, handler

    def _run_tick(self, envelope: IncomingEnvelope) -> list[str]:
        if self.tick is None:
            raise MisroutedEventError(f"service {self.service!r} has no scheduled work, got a scheduled event")
        with self.unit_of_work() as ports:
            return self.publish(self.tick(ports), correlation_id=envelope.id, causation_id=None)

    @contextmanager
    def unit_of_work(self) -> Iterator[Ports]:
        """The ports for one piece of work; its idempotency keys are recorded only if it completes (the
        events it returned were published), so a failed attempt is retried instead of skipped."""
        if not isinstance(self.ports.dedupe, DynamoDedupe):
            yield self.ports
            return
        dedupe = DeferredDedupe(self.ports.dedupe)
        yield replace(self.ports, dedupe=dedupe)
        dedupe.commit()

    def publish(self, outputs: Sequence[Event], *, correlation_id: str, causation_id: str | None) -> list[str]:
        """Publish events as this service: contract-checked, metadata filled, validated, then PutEvents."""
        return self._send(self.seal(outputs, correlation_id=correlation_id, causation_id=causation_id))

    def seal(self, outputs: Sequence[Event], *, correlation_id: str, causation_id: str | None) -> list[Sealed]:
        """The envelopes of `outputs` as this service sends them (contract checked, metadata, validated)."""
        if not outputs:
            return []
        return self.router.envelopes(
            self.service,
            list(outputs),
            new_id=self.new_id,
            time=self.ports.clock.now(),
            correlation_id=correlation_id,
            causation_id=causation_id,
            account=self.account,
            region=self.region,
        )

    def _send(self, envelopes: list[Sealed]) -> list[str]:
        if not envelopes:
            return []
        now = self.ports.clock.now()
        ids = self.publisher.publish([entry_of(e, now) for e in envelopes])
        if self.on_publish is not None:
            self.on_publish(envelopes)
        log.info("%s published %s", self.service, ", ".join(e["detail-type"] for e in envelopes))
        return ids
