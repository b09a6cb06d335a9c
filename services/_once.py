"""At-least-once delivery, made once: a per-service idempotency key on the event id."""

from __future__ import annotations

from events import Event
from events.models import EventMetadata
from ports import Ports

_HANDLED = "handled:"


def event_id_of(event: Event) -> str | None:
    """The id the bus gave the event; None before it was published (a handler called directly)."""
    metadata: EventMetadata | None = getattr(event, "metadata", None)
    return metadata.event_id if metadata is not None else None


def first_delivery(service: str, event: Event, ports: Ports) -> bool:
    """True the first time `service` sees this event id (always True for an event without an id)."""
    event_id = event_id_of(event)
    return event_id is None or ports.dedupe.first_time(f"{service}:{event_id}")


def already_handled(service: str, event: Event, ports: Ports) -> bool:
    """True when `service` completed a handler for this event id (see `mark_handled`)."""
    event_id = event_id_of(event)
    return event_id is not None and ports.kv.get(f"{_HANDLED}{service}:{event_id}") is not None


def mark_handled(service: str, event: Event, ports: Ports) -> None:
    """Record, after the work is done, that `service` handled this event: a retry after a failure still runs,
    a duplicate delivered later (possibly after newer events) is skipped."""
    event_id = event_id_of(event)
    if event_id is not None:
        ports.kv.put(f"{_HANDLED}{service}:{event_id}", "1")
