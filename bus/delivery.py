"""One delivery attempt, written once for every backend: `deliver(parcel, target, begin, seal) -> Outcome`.

A parcel is an event's envelope or an arrival through a door; a target is the handler of a rule or of an
edge. The attempt runs inside a unit of work that the backend supplies (a SQLite savepoint, DynamoDB writes,
memory), which is also where the one idempotency rule lives: a target handles a parcel once. A retry after
a failure runs the handler again; a duplicate after a success is skipped; what the handler changed and the
mark that it handled the parcel commit together, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bus.deadletters import CONTRACT_VIOLATION, INVALID_EVENT
from bus.envelope import Envelope
from bus.errors import ContractViolationError, InvalidEventError
from events import Event
from ports import Arrival, Ports

Parcel = Envelope | Arrival
# (service, events, correlation_id, causation_id) -> the sealed, validated envelopes to publish
Seal = Callable[[str, Sequence[Event], str | None, str | None], list[Envelope]]


@dataclass(frozen=True)
class Target:
    """Where parcels go: a service's handler of one rule (`environments--PullRequestOpened`), or of one of its
    edges (`github--webhook`). `rejections` are the errors that say the parcel itself is bad: no retry helps."""

    name: str
    service: str
    handler: Callable[[Any, Ports], Sequence[Event]]
    rejections: tuple[type[Exception], ...] = ()
    trigger: str | None = None  # an edge's: who sends its arrivals (traces name it as their source)


class UnitOfWork(Protocol):
    """One attempt's view of a backend's state: its ports, and the record of what each target handled."""

    ports: Ports

    def handled(self, target: str, key: str) -> bool:
        """`target` already completed parcel `key`. A backend may write its mark here already (SQLite does, in
        one statement): the unit of work commits it with the work, or rolls it back with the work."""
        ...

    def complete(self, published: Sequence[Envelope], *, target: str | None = None, key: str | None = None) -> None:
        """Record, with the work's state changes, what it published and (for a delivery) that `target`
        handled parcel `key`."""
        ...


Begin = Callable[[], AbstractContextManager[UnitOfWork]]


@dataclass(frozen=True)
class Outcome:
    """What one attempt did: the envelopes it published, or that it was a duplicate, or the error (and
    whether a retry may help). `rejected` is an envelope found invalid: the delivered one, or one produced."""

    published: tuple[Envelope, ...] = ()
    duplicate: bool = False
    error_code: str = ""
    error: Exception | None = None
    retryable: bool = False
    rejected: Envelope | None = None

    @property
    def summary(self) -> str:
        return f"{self.error_code}: {self.error}"


def key_of(parcel: Parcel) -> str:
    """A parcel's identity for idempotency: the event id, or the arrival's door and id. A replay is a deliberate
    second run: its events count apart from their first delivery (and from another replay's)."""
    if isinstance(parcel, Arrival):
        return parcel.key
    return parcel.event_id if parcel.replay_name is None else f"{parcel.event_id}@{parcel.replay_name}"


def correlation_of(parcel: Parcel) -> tuple[str, str | None]:
    """(correlation id, causation id) for what a handler publishes in reaction to `parcel`. Events published
    at a door have no cause on the bus."""
    if isinstance(parcel, Arrival):
        return parcel.correlation_id, None
    return parcel.correlation_id, parcel.event_id


def deliver(parcel: Parcel, target: Target, begin: Begin, seal: Seal) -> Outcome:
    """Validate on receipt, skip what this target already handled, run the handler, seal what it returned,
    record it all in one unit of work. Never raises for a handler's fault: the outcome says what happened."""
    try:
        subject: Event | Arrival = parcel if isinstance(parcel, Arrival) else parcel.event()
    except InvalidEventError as error:
        return Outcome(error_code=INVALID_EVENT, error=error, rejected=error.envelope)
    key = key_of(parcel)
    correlation_id, causation_id = correlation_of(parcel)
    try:
        with begin() as unit:
            if unit.handled(target.name, key):
                return Outcome(duplicate=True)
            published = seal(target.service, target.handler(subject, unit.ports), correlation_id, causation_id)
            unit.complete(published, target=target.name, key=key)
    except ContractViolationError as error:
        return Outcome(error_code=CONTRACT_VIOLATION, error=error)
    except InvalidEventError as error:
        return Outcome(error_code=INVALID_EVENT, error=error, rejected=error.envelope)
    except target.rejections as error:  # the parcel itself is bad: a retry would fail the same way
        return Outcome(error_code=type(error).__name__, error=error)
    except Exception as error:  # any other failure is retried, as EventBridge retries a failing target
        return Outcome(error_code=type(error).__name__, error=error, retryable=True)
    return Outcome(published=tuple(published))


R = TypeVar("R")


def command(
    service: str,
    work: Callable[[Ports], tuple[R, Sequence[Event]]],
    begin: Begin,
    seal: Seal,
    correlation_id: str,
) -> tuple[R, list[Envelope]]:
    """A request from outside the bus that is answered at once (an API call): `work` with the service's
    ports, its events sealed and recorded in the same unit of work. Raises what `work` raises (the caller
    answers it: 404, 409, 422); nothing is recorded then."""
    with begin() as unit:
        result, events = work(unit.ports)
        published = seal(service, list(events), correlation_id, None)
        unit.complete(published)
    return result, published


__all__ = [
    "Begin",
    "Outcome",
    "Parcel",
    "Seal",
    "Target",
    "UnitOfWork",
    "command",
    "correlation_of",
    "deliver",
    "key_of",
]
