"""At-least-once delivery, made once: a per-service idempotency key on the event id."""

from __future__ import annotations

from events import Event
from events.models import EventMetadata
from ports import Ports


def event_id_of(event: Event) -> str | None:
    """The id the bus gave the event; None before it was published (a handler called directly)."""
    metadata: EventMetadata | None = getattr(event, "metadata", None)
    return metadata.event_id if metadata is not None else None


def first_delivery(service: str, event: Event, ports: Ports) -> bool:
    """True the first time `service` sees this event id (always True for an event without an id)."""
    event_id = event_id_of(event)
    return event_id is None or ports.dedupe.first_time(f"{service}:{event_id}")
