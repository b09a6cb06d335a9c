"""Routing as the spec defines it: rules from `Contract.rules()`, the checks that keep code and spec in step,
and sealing (a service's events become validated envelopes with their metadata).

Pure pieces with no queue of their own, so every backend routes and seals alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pydantic_core import PydanticSerializationError

import events
from bus.delivery import Target
from bus.envelope import Envelope, format_time
from bus.errors import ContractViolationError, InvalidEventError
from bus.patterns import RuleSet
from events import Event
from ports import Clock, ServiceDefinition
from spec.contract import Contract, Rule, source_of


class Router:
    """The spec's rules over one compiled RuleSet, plus the checks that keep code and spec in step."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
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
        return [self._rules[name] for name in sorted(self._ruleset.matching(envelope.to_wire()))]

    def check_send(self, service: str, event: Event | type[Event] | str) -> None:
        """Raise ContractViolationError unless the spec lists `service` as a sender of the event's message
        (given as an event, its class or its name)."""
        if isinstance(event, str):
            kind: type = events.REGISTRY.get(event, object)
            message = event
        else:
            kind = event if isinstance(event, type) else type(event)
            message = kind.__name__
        self.check_service(service, message)
        if not issubclass(kind, Event) or events.REGISTRY.get(message) is not kind:
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


def targets_of(router: Router, service: ServiceDefinition, *, require_all: bool = True) -> list[Target]:
    """The targets of a service: one per rule it has a handler for, one per edge; checked against the spec."""
    router.check_handlers(service, require_all=require_all)
    handlers = {event_class.__name__: handler for event_class, handler in service.handlers.items()}
    found = [
        Target(rule.name, service.name, handlers[rule.message])
        for rule in router.rules_of(service.name)
        if rule.message in handlers
    ]
    for edge in service.edges.values():
        found.append(
            Target(edge_target(service.name, edge.name), service.name, edge.handler, edge.rejections, edge.trigger)
        )
    return found


def edge_target(service: str, door: str) -> str:
    """The target name of a service's edge: `github--webhook` (rules are `<service>--<message>`)."""
    return f"{service}--{door}"


@dataclass(frozen=True)
class Sealer:
    """Seals what a service publishes: contract-checked, ids and metadata stamped, validated; all or nothing.

    One per backend: it brings the ids, the time, the account and the region its bus stamps.
    """

    router: Router
    new_id: Callable[[], str]
    clock: Clock
    account: str
    region: str

    def __call__(
        self, service: str, batch: Sequence[Event], correlation_id: str | None, causation_id: str | None
    ) -> list[Envelope]:
        """Raises ContractViolationError before any id is drawn, InvalidEventError (with its envelope) at the
        first invalid detail. Without `correlation_id`, the batch is correlated by its first event's id."""
        if not batch:  # most deliveries publish nothing
            return []
        for event in batch:
            self.router.check_send(service, event)
        now = self.clock.now()
        stamps = (format_time(now), format_time(now, whole_seconds=True))  # one time for the whole batch
        sealed = []
        for event in batch:
            event_id = self.new_id()
            correlation_id = correlation_id or event_id
            sealed.append(self._seal(event, service, event_id, stamps, correlation_id, causation_id))
        return sealed

    def _seal(
        self,
        event: Event,
        service: str,
        event_id: str,
        stamps: tuple[str, str],
        correlation_id: str,
        causation_id: str | None,
    ) -> Envelope:
        """`stamps`: the metadata's `occurred_at` and the envelope's `time` (whole seconds)."""
        occurred_at, time = stamps
        metadata = {
            "event_id": event_id,
            "correlation_id": correlation_id,
            "causation_id": causation_id,
            "occurred_at": occurred_at,
        }
        fields = {
            "version": "0",
            "id": event_id,
            "detail-type": event.detail_type,
            "source": source_of(service),
            "account": self.account,
            "time": time,
            "region": self.region,
            "resources": [],
        }
        try:
            body = event.model_dump(mode="json", exclude={"metadata"}, warnings=False)
        except (PydanticSerializationError, AttributeError, TypeError, ValueError) as error:
            bare = Envelope.from_wire({**fields, "detail": {"metadata": metadata}})
            raise InvalidEventError(
                f"{event.detail_type}: detail cannot be serialized: {error}",
                detail_type=event.detail_type,
                envelope=bare,
            ) from error
        envelope = Envelope.stamped({**fields, "detail": {"metadata": metadata, **body}})
        envelope.check_sent()  # strictly, now: an invalid detail is never published (decision 0009)
        return envelope


__all__ = ["ContractViolationError", "InvalidEventError", "Router", "Rule", "Sealer", "edge_target", "targets_of"]
