"""The units of work a bus moves (a target, an envelope in flight, one delivery, a recurring schedule) and
`attempt`, one delivery attempt with its outcome; the queue around them is the bus's own."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bus.deadletters import CONTRACT_VIOLATION, INVALID_EVENT, DeadLetter
from bus.retry import RetryPolicy
from bus.routing import ContractViolationError, Envelope, InvalidEventError, receive
from events import Event
from ports import Handler, Ports
from spec.contract import Rule

# (service, events, correlation_id, causation_id) -> the sealed, validated envelopes to publish
Sealer = Callable[[str, Sequence[Event], str, str], list[Envelope]]


@dataclass(frozen=True)
class Target:
    rule: Rule
    handler: Handler
    ports: Ports

    @property
    def service(self) -> str:
        return self.rule.service


class Parcel:
    """One envelope on its way to its targets; validated and typed once on receipt, however many rules match."""

    __slots__ = ("_error", "_event", "envelope")

    def __init__(self, envelope: Envelope) -> None:
        self.envelope = envelope
        self._event: Event | None = None
        self._error: InvalidEventError | None = None

    def event(self) -> Event:
        """The typed event; raises InvalidEventError (every time) when the detail breaks the spec."""
        if self._event is None and self._error is None:
            try:
                self._event = receive(self.envelope)
            except InvalidEventError as error:
                self._error = error
        if self._error is not None:
            raise self._error
        assert self._event is not None
        return self._event


@dataclass(eq=False)
class Delivery:
    parcel: Parcel
    target: Target
    since: datetime  # the event's age counts from here (publish, replay or redrive)
    attempts: int = 0
    chaos: str | None = None  # what chaos mode did to this delivery ("duplicate", "delayed 12.3 s")

    @property
    def envelope(self) -> Envelope:
        return self.parcel.envelope


@dataclass(eq=False)
class Schedule:
    service: str
    interval: timedelta
    producer: Callable[[], Sequence[Event]]


@dataclass(frozen=True)
class Outcome:
    """What one attempt did: the envelopes to publish, or the error (and whether a retry may help).

    `rejected` is an envelope found invalid: the delivered one on receipt, or one the handler produced.
    """

    published: list[Envelope]
    error_code: str = ""
    error: Exception | None = None
    retryable: bool = False
    rejected: Envelope | None = None

    @property
    def summary(self) -> str:
        return f"{self.error_code}: {self.error}"


def attempt(delivery: Delivery, seal: Sealer) -> Outcome:
    """Validate on receipt, call the handler, seal what it returned; never raises for a handler's fault."""
    delivery.attempts += 1
    envelope = delivery.envelope
    try:
        event = delivery.parcel.event()
    except InvalidEventError as error:
        return Outcome([], INVALID_EVENT, error, rejected=envelope)
    target = delivery.target
    try:
        outputs = target.handler(event, target.ports)
        published = seal(target.service, outputs, envelope["detail"]["metadata"]["correlation_id"], envelope["id"])
    except ContractViolationError as error:
        return Outcome([], CONTRACT_VIOLATION, error)
    except InvalidEventError as error:
        return Outcome([], INVALID_EVENT, error, rejected=error.envelope)
    except Exception as error:  # any handler failure is retried, as EventBridge retries a failing target
        return Outcome([], type(error).__name__, error, retryable=True)
    return Outcome(published)


def settle_failure(
    delivery: Delivery,
    outcome: Outcome,
    policy: RetryPolicy,
    rng: random.Random,
    now: datetime,
    new_letter_id: Callable[[], str],
) -> datetime | DeadLetter:
    """After a failed attempt: when to retry, or the dead letter (with the exhausted condition, if any)."""
    condition = None
    if outcome.retryable:
        step = policy.after_failure(delivery.attempts, now - delivery.since, rng)
        if step.delay is not None:
            return now + step.delay
        condition = step.exhausted
    rule = delivery.target.rule
    return DeadLetter(
        id=new_letter_id(),
        rule=rule.name,
        target_service=rule.service,
        envelope=delivery.envelope,
        error_code=outcome.error_code,
        error_message=str(outcome.error),
        exhausted_condition=condition,
        attempts=delivery.attempts,
        at=now,
    )
