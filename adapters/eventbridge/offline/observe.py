"""The simulator's views of what happened (trace records, dead letters), rebuilt from what the AWS backend
shows: the events on the bus (from the tap), the deliveries the consumers journaled, the DLQ contents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from adapters.eventbridge.consumer import Handled
from bus.deadletters import DeadLetter
from bus.routing import service_of
from bus.trace import TraceKind, TraceRecord

Envelope = dict[str, Any]


def _metadata(envelope: Any) -> dict[str, Any]:
    detail = envelope.get("detail") if isinstance(envelope, dict) else None
    metadata = detail.get("metadata") if isinstance(detail, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def _record(kind: TraceKind, envelope: Envelope, at: datetime, target: str | None, error: str | None) -> TraceRecord:
    metadata = _metadata(envelope)
    return TraceRecord(
        seq=0,
        at=at,
        kind=kind,
        event_id=str(metadata.get("event_id", envelope.get("id", ""))),
        detail_type=str(envelope["detail-type"]),
        source_service=service_of(str(envelope.get("source", ""))),
        target_service=target,
        rule=f"{target}--{envelope['detail-type']}" if target else None,
        correlation_id=str(metadata.get("correlation_id", "")),
        causation_id=metadata.get("causation_id"),
        attempt=0,
        error=error,
        envelope=envelope,
    )


def trace_of(published: Sequence[Envelope], journal: Sequence[Handled], at: datetime) -> list[TraceRecord]:
    """ "published" for every event on the bus, then "delivered" / "failed" for every handling, numbered.

    The event id is `detail.metadata.event_id`: EventBridge gives the envelope an `id` of its own."""
    records = [_record("published", e, at, None, None) for e in published]
    for handled in journal:
        if handled.envelope.get("detail-type"):
            kind: TraceKind = "delivered" if handled.error is None else "failed"
            records.append(_record(kind, dict(handled.envelope), at, handled.service, handled.error))
    return [replace(r, seq=i) for i, r in enumerate(records, 1)]


def dead_letters_of(
    letters: Sequence[tuple[str, Any, int]], journal: Sequence[Handled], at: datetime
) -> list[DeadLetter]:
    """DeadLetters from (service, body, deliveries) of DLQ messages, with the last error journaled for each."""
    last_error = {str(_metadata(h.envelope).get("event_id")): h.error for h in journal if h.error}
    found: list[DeadLetter] = []
    for service, body, deliveries in letters:
        envelope = body if isinstance(body, dict) else {}
        found.append(
            DeadLetter(
                id=f"dlq_{len(found) + 1:05d}",
                rule=f"{service}--{envelope.get('detail-type')}" if envelope else None,
                target_service=service,
                envelope=envelope,
                error_code="MaxReceiveCountExceeded",
                error_message=str(last_error.get(str(_metadata(envelope).get("event_id")), "")),
                exhausted_condition="maxReceiveCount",
                attempts=deliveries,
                at=at,
            )
        )
    return found
