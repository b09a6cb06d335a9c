"""Handlers delivered to as every backend delivers: through the kernel's `deliver`, with an in-memory ledger.

Unit tests of a handler call it directly for its decisions; where a test is about at-least-once delivery
(a duplicate, a late redelivery), it goes through here, because skipping a duplicate is the kernel's job.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from bus.delivery import Target, deliver
from bus.envelope import Envelope, format_time
from bus.routing import Router, Sealer
from events import Event
from ports import Arrival, Edge, Ports
from sim.bus import MemoryUnit
from spec.contract import Contract, source_of


@cache
def _router() -> Router:
    return Router(Contract.load())


def envelope_of(event: Event) -> Envelope:
    """The envelope a bus would deliver for `event` (which carries its metadata), sent by its first sender."""
    assert event.metadata is not None, "give the event metadata (its event id) to deliver it"
    sender = _router().contract.messages[event.detail_type].senders[0]
    metadata = event.metadata
    return Envelope.from_wire(
        {
            "id": metadata.event_id,
            "detail-type": event.detail_type,
            "source": source_of(sender),
            "account": "123456789012",
            "time": format_time(metadata.occurred_at, whole_seconds=True),
            "region": "us-east-1",
            "detail": event.model_dump(mode="json"),
        }
    )


class Kernel:
    """Delivers events to handlers of `service` with `ports`, once per (handler, event id)."""

    def __init__(self, service: str, ports: Ports) -> None:
        self.service, self.ports = service, ports
        self.ledger: set[tuple[str, str]] = set()
        ids = itertools.count(1)
        self._seal = Sealer(_router(), lambda: f"evt-{next(ids)}", ports.clock, "123456789012", "us-east-1")

    def deliver(self, handler: Callable[[Any, Ports], Sequence[Event]], event: Event) -> list[Event]:
        """What the handler published for this delivery ([] for a duplicate); raises the handler's error."""
        target = Target(f"{self.service}--{event.detail_type}", self.service, handler)
        outcome = deliver(envelope_of(event), target, self._begin, self._seal)
        if outcome.error is not None:
            raise outcome.error
        return [envelope.event() for envelope in outcome.published]

    def arrive(self, edge: Edge, arrival: Arrival) -> list[Event]:
        """What the edge's handler published for this arrival ([] for a duplicate); raises its error."""
        target = Target(f"{self.service}--{edge.name}", self.service, edge.handler, edge.rejections, edge.trigger)
        outcome = deliver(arrival, target, self._begin, self._seal)
        if outcome.error is not None:
            raise outcome.error
        return [envelope.event() for envelope in outcome.published]

    @contextlib.contextmanager
    def _begin(self) -> Any:
        yield MemoryUnit(self.ports, self.ledger)
