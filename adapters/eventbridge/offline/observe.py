"""The kernel's views of what happened (trace records, dead letters), rebuilt from what the AWS backend shows:
the events on the bus (from the tap), the deliveries the consumers journaled, the DLQ contents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from adapters.eventbridge.function.consumer import Handled
from bus.deadletters import DeadLetter
from bus.envelope import Envelope, InvalidEnvelopeError
from bus.trace import TraceKind, TraceRecord, record
from ports import Arrival

DOOR_TRIGGERS = {"webhook": "github-webhooks", "report": "runtime-reports"}


def _step(
    kind: TraceKind, parcel: Envelope | Arrival, at: datetime, target: str | None, error: str | None
) -> TraceRecord:
    source = DOOR_TRIGGERS.get(parcel.door) if isinstance(parcel, Arrival) else None
    name = parcel.door if isinstance(parcel, Arrival) else parcel.detail_type
    return record(
        0,
        kind,
        parcel,
        at,
        source=source,
        target_service=target,
        target=f"{target}--{name}" if target else None,
        error=error,
    )


def trace_of(published: Sequence[Envelope], journal: Sequence[Handled], at: datetime) -> list[TraceRecord]:
    """ "published" for every event on the bus, then "delivered" / "failed" for every handling, numbered."""
    records = [_step("published", e, at, None, None) for e in published]
    for handled in journal:
        if handled.parcel is not None:
            kind: TraceKind = "delivered" if handled.error is None else "failed"
            records.append(_step(kind, handled.parcel, at, handled.service, handled.error))
    return [replace(r, seq=i) for i, r in enumerate(records, 1)]


def dead_letters_of(
    letters: Sequence[tuple[str, Any, int]], journal: Sequence[Handled], at: datetime
) -> list[DeadLetter]:
    """DeadLetters from (service, body, deliveries) of DLQ messages, with the last error journaled for each."""
    last_error = {h.parcel.event_id: h.error for h in journal if h.error and isinstance(h.parcel, Envelope)}
    found: list[DeadLetter] = []
    for service, body, deliveries in letters:
        try:
            envelope = Envelope.from_wire(body if isinstance(body, dict) else {})
        except InvalidEnvelopeError:
            continue  # not an event: nothing the scenarios could have caused
        found.append(
            DeadLetter(
                id=f"dlq_{len(found) + 1:05d}",
                target=f"{service}--{envelope.detail_type}",
                service=service,
                parcel=envelope,
                error_code="MaxReceiveCountExceeded",
                error_message=str(last_error.get(envelope.event_id, "")),
                exhausted_condition="maxReceiveCount",
                attempts=deliveries,
                at=at,
            )
        )
    return found
