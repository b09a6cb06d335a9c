"""Routing as the spec defines it: rules from `Contract.rules()`, contract checks, and the envelope.

Pure pieces with no queue of their own, so the in-memory bus and the durable local bus route alike.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic_core import PydanticSerializationError

import events
from bus.patterns import RuleSet
from events import Event
from ports import ServiceDefinition
from spec.contract import SOURCE_PREFIX, Contract, Rule, source_of

Envelope = dict[str, Any]


class ContractViolationError(ValueError):
    """Code disagrees with the spec about who sends or receives a message; names the service and messages."""

    def __init__(self, reason: str, *, service: str, messages: Collection[str] = ()) -> None:
        super().__init__(reason)
        self.service = service
        self.messages = tuple(messages)


class InvalidEventError(ValueError):
    """An event's detail breaks the spec; the message is the validator's (event, field path, reason)."""

    def __init__(self, reason: str, *, detail_type: str, envelope: Envelope) -> None:
        super().__init__(reason)
        self.detail_type = detail_type
        self.envelope = envelope


def format_time(moment: datetime, *, whole_seconds: bool = False) -> str:
    """ISO 8601 in UTC with a `Z`, as EventBridge writes `time` (whole seconds) and metadata timestamps."""
    moment = moment.astimezone(UTC)
    if whole_seconds or moment.microsecond == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def service_of(source: str) -> str:
    """`wingcloud.apps` -> `apps`."""
    return source[len(SOURCE_PREFIX) :] if source.startswith(SOURCE_PREFIX) else source


def build_envelope(
    event: Event,
    service: str,
    *,
    event_id: str,
    time: datetime,
    correlation_id: str,
    causation_id: str | None,
    account: str,
    region: str,
    replay_name: str | None = None,
) -> Envelope:
    """The EventBridge envelope of `event` sent by `service`, with `detail.metadata` filled by the bus.

    Raises InvalidEventError, carrying the envelope with metadata only, when the model cannot even be
    serialized (a broken `model_construct`).
    """
    metadata = {
        "event_id": event_id,
        "correlation_id": correlation_id,
        "causation_id": causation_id,
        "occurred_at": format_time(time),
    }
    envelope: Envelope = {
        "version": "0",
        "id": event_id,
        "detail-type": event.detail_type,
        "source": source_of(service),
        "account": account,
        "time": format_time(time, whole_seconds=True),
        "region": region,
        "resources": [],
        "detail": {"metadata": metadata},
    }
    if replay_name is not None:
        envelope["replay-name"] = replay_name
    try:
        body = event.model_dump(mode="json", exclude={"metadata"}, warnings=False)
    except (PydanticSerializationError, AttributeError, TypeError, ValueError) as error:
        raise InvalidEventError(
            f"{event.detail_type}: detail cannot be serialized: {error}",
            detail_type=event.detail_type,
            envelope=envelope,
        ) from error
    envelope["detail"].update(body)
    return envelope


def validate_envelope(envelope: Envelope) -> None:
    """Check the detail against the spec; raise InvalidEventError naming the field."""
    detail_type = str(envelope.get("detail-type"))
    detail = envelope.get("detail")
    if not isinstance(detail, dict):
        raise InvalidEventError(
            f"{detail_type}: detail must be a JSON object", detail_type=detail_type, envelope=envelope
        )
    try:
        events.validate(detail_type, detail)
    except events.EventValidationError as error:
        raise InvalidEventError(str(error), detail_type=detail_type, envelope=envelope) from error


def receive(envelope: Envelope) -> Event:
    """Validate a received envelope's detail and build the typed event a handler takes."""
    validate_envelope(envelope)
    return events.REGISTRY[envelope["detail-type"]].model_validate(envelope["detail"])


class Router:
    """The spec's rules over one compiled RuleSet, plus the checks that keep code and spec in step."""

    def __init__(self, contract: Contract) -> None:
        self._contract = contract
        self._rules = {rule.name: rule for rule in contract.rules()}
        self._ruleset = RuleSet()
        for rule in self._rules.values():
            self._ruleset.add(rule.name, rule.pattern)
        self._sends = {name: frozenset(contract.sends(name)) for name in contract.services}
        self._receives = {name: frozenset(contract.receives(name)) for name in contract.services}

    @property
    def rules(self) -> Mapping[str, Rule]:
        return self._rules

    def rules_of(self, service: str) -> list[Rule]:
        return [rule for rule in self._rules.values() if rule.service == service]

    def targets(self, envelope: Envelope) -> list[Rule]:
        """Every rule whose pattern matches, in rule-name order (deterministic)."""
        return [self._rules[name] for name in sorted(self._ruleset.matching(envelope))]

    def envelopes(
        self,
        service: str,
        batch: Sequence[Event],
        *,
        new_id: Callable[[], str],
        time: datetime,
        correlation_id: str | None,
        causation_id: str | None,
        account: str,
        region: str,
    ) -> list[Envelope]:
        """Check, seal and validate a batch `service` publishes; all or nothing.

        Raises ContractViolationError before any id is drawn, InvalidEventError (with its envelope) at the
        first invalid detail. Without `correlation_id`, the batch is correlated by its first event's id.
        """
        for event in batch:
            self.check_send(service, event)
        envelopes = []
        for event in batch:
            event_id = new_id()
            correlation_id = correlation_id or event_id
            envelope = build_envelope(
                event,
                service,
                event_id=event_id,
                time=time,
                correlation_id=correlation_id,
                causation_id=causation_id,
                account=account,
                region=region,
            )
            validate_envelope(envelope)
            envelopes.append(envelope)
        return envelopes

    def check_send(self, service: str, event: Event | type[Event] | str) -> None:
        """Raise ContractViolationError unless the spec lists `service` as a sender of the event's message."""
        message = _message_name(event)
        self.check_service(service, message)
        if events.REGISTRY.get(message) is None or (
            not isinstance(event, str) and _class_of(event) is not events.REGISTRY[message]
        ):
            raise ContractViolationError(
                f"service {service!r} published {message!r}, which is not a message of the spec",
                service=service,
                messages=[message],
            )
        if message not in self._sends[service]:
            raise ContractViolationError(
                f"service {service!r} published {message!r}, but the spec does not list {service!r} "
                f"as a sender of it (it sends: {', '.join(sorted(self._sends[service])) or 'nothing'})",
                service=service,
                messages=[message],
            )

    def check_handlers(self, definition: ServiceDefinition, *, require_all: bool = True) -> None:
        """Raise ContractViolationError when handlers and the spec's received messages differ.

        A handler for a message the service does not receive is always an error; a received message
        without a handler is one unless `require_all` is False (a test wiring a single handler).
        """
        service = definition.name
        self.check_service(service, None)
        handled = set()
        for event_class in definition.handlers:
            name = getattr(event_class, "__name__", repr(event_class))
            if events.REGISTRY.get(name) is not event_class:
                raise ContractViolationError(
                    f"service {service!r} registers a handler for {name!r}, which is not a message of the spec",
                    service=service,
                    messages=[name],
                )
            handled.add(name)
        unexpected = sorted(handled - self._receives[service])
        if unexpected:
            raise ContractViolationError(
                f"service {service!r} registers handlers for {', '.join(unexpected)}, but the spec does not "
                f"list {service!r} as a receiver of them",
                service=service,
                messages=unexpected,
            )
        missing = sorted(self._receives[service] - handled)
        if require_all and missing:
            raise ContractViolationError(
                f"service {service!r} has no handler for {', '.join(missing)}, which the spec says it receives",
                service=service,
                messages=missing,
            )

    def check_service(self, service: str, message: str | None = None) -> None:
        """Raise ContractViolationError unless `service` is a service of the spec."""
        if service not in self._sends:
            raise ContractViolationError(
                f"service {service!r} is not a service of the spec (known: {', '.join(sorted(self._sends))})",
                service=service,
                messages=[message] if message else [],
            )


def _class_of(event: Event | type[Event]) -> type[Event]:
    return event if isinstance(event, type) else type(event)


def _message_name(event: Event | type[Event] | str) -> str:
    if isinstance(event, str):
        return event
    if isinstance(event, Event) or (isinstance(event, type) and issubclass(event, Event)):
        return _class_of(event).__name__
    return type(event).__name__
