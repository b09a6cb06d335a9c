"""Toy services, ports and events shared by the bus tests (this module holds no tests).

Events are built from the spec's own examples; services are real services of the spec whose handlers
are tiny stand-ins, so the bus runs on the real contract and the real rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

import events
from events import Event
from ports import ServiceDefinition
from sim.bus import Bus
from sim.clock import VirtualClock
from spec.contract import Contract

START = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


@cache
def contract() -> Contract:
    return Contract.load()


def example(name: str, **changes: Any) -> Event:
    """The spec's first example of message `name`, without metadata, with `changes` applied."""
    payload = dict(contract().messages[name].examples[0]["payload"])
    payload.pop("metadata", None)
    payload.update(changes)
    return events.REGISTRY[name].model_validate(payload)


def nothing(event: Event, ports: Any) -> list[Event]:
    return []


def service(name: str, **handlers: Callable[..., Any]) -> ServiceDefinition:
    """Service `name` with a handler for every message the spec says it receives: `handlers` by message
    name, a do-nothing handler for the rest."""
    unknown = set(handlers) - set(contract().receives(name))
    assert not unknown, f"{name} does not receive {unknown}"
    return ServiceDefinition(
        name, {events.REGISTRY[message]: handlers.get(message, nothing) for message in contract().receives(name)}
    )


def construct(name: str, **fields: Any) -> Event:
    """A model built without validation, to publish a detail the spec refuses."""
    return events.REGISTRY[name].model_construct(**fields)


def recorder(into: list[Any], attribute: str) -> Callable[[Any, Any], list[Event]]:
    """A handler that appends one attribute of each event it gets to `into`."""

    def record(event: Any, ports: Any) -> list[Event]:
        into.append(getattr(event, attribute))
        return []

    return record


def fails(event: Any, ports: Any) -> list[Event]:
    raise RuntimeError("fly.io is down")


def toy_ports() -> Any:
    """A stand-in for ports.Ports: only what the toy handlers touch."""
    return SimpleNamespace()


def new_bus(**options: Any) -> Bus:
    return Bus(contract(), VirtualClock(START), **options)


def kinds(bus: Bus, correlation_id: str | None = None) -> list[tuple[str, str, str | None]]:
    """(kind, detail-type, target) of every trace record, in order."""
    return [(r.kind, r.detail_type, r.target_service) for r in bus.trace.records(correlation_id)]
