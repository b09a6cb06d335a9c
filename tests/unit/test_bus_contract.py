"""Code that disagrees with the spec about senders and receivers is refused, naming service and message."""

from __future__ import annotations

import pytest
from test_bus_toys import contract, example, new_bus, nothing, service, toy_ports

from bus.routing import Router
from events import AppCreated, CleanupDue, EnvironmentDeployRequested, Event
from ports import ServiceDefinition
from sim.bus import ContractViolationError


class NotInTheSpec(Event):
    name: str = "x"


def test_registering_a_handler_for_a_message_the_service_does_not_receive_is_refused() -> None:
    bus = new_bus()
    definition = ServiceDefinition("notifications", {**service("notifications").handlers, CleanupDue: nothing})
    with pytest.raises(ContractViolationError) as raised:
        bus.register(definition, toy_ports())
    assert "'notifications'" in str(raised.value) and "CleanupDue" in str(raised.value)
    assert raised.value.service == "notifications"
    assert raised.value.messages == ("CleanupDue",)


def test_a_received_message_without_handler_is_refused_unless_partial() -> None:
    bus = new_bus()
    only_deploys = ServiceDefinition("logs", {EnvironmentDeployRequested: nothing})
    missing = tuple(sorted(set(contract().receives("logs")) - {"EnvironmentDeployRequested"}))
    assert "EnvironmentStopped" in missing
    with pytest.raises(ContractViolationError, match=rf"'logs' has no handler for {', '.join(missing)}, ") as raised:
        bus.register(only_deploys, toy_ports())
    assert raised.value.messages == missing

    bus.register(only_deploys, toy_ports(), partial=True)
    bus.publish("environments", [example("EnvironmentStopped")])
    assert bus.run_until_quiet() == 0  # the rule without a handler has no target


def test_unknown_services_and_foreign_event_classes_are_refused() -> None:
    bus = new_bus()
    with pytest.raises(ContractViolationError, match="'billing' is not a service of the spec"):
        bus.register(ServiceDefinition("billing", {}), toy_ports())
    with pytest.raises(ContractViolationError, match="'NotInTheSpec', which is not a message of the spec"):
        bus.register(ServiceDefinition("notifications", {NotInTheSpec: nothing}), toy_ports(), partial=True)


def test_registering_a_service_twice_is_refused() -> None:
    bus = new_bus()
    bus.register(service("notifications"), toy_ports())
    with pytest.raises(ValueError, match="already registered"):
        bus.register(service("notifications"), toy_ports())


def test_publishing_a_message_the_service_does_not_send_is_refused_and_nothing_is_published() -> None:
    bus = new_bus()
    with pytest.raises(ContractViolationError) as raised:
        bus.publish("notifications", [example("AppCreated")])
    assert str(raised.value).startswith(
        "service 'notifications' published 'AppCreated', but the spec does not list 'notifications' as a sender"
    )
    assert (raised.value.service, raised.value.messages) == ("notifications", ("AppCreated",))
    assert bus.archive == [] and bus.trace.records() == [] and bus.dead_letters == []


def test_a_batch_with_one_unsendable_event_publishes_none() -> None:
    bus = new_bus()
    with pytest.raises(ContractViolationError, match="'EnvironmentCreated'"):
        bus.publish("apps", [example("AppCreated"), example("EnvironmentCreated")])
    assert bus.archive == []


def test_an_event_that_is_not_a_spec_message_is_refused() -> None:
    with pytest.raises(ContractViolationError, match="'NotInTheSpec', which is not a message of the spec"):
        new_bus().publish("apps", [NotInTheSpec()])


def test_a_handler_returning_an_unsendable_event_is_dead_lettered_without_retries() -> None:
    bus = new_bus()
    bus.register(service("notifications", AppCreated=lambda e, p: [example("AppDeleted")]), toy_ports())
    (envelope,) = bus.publish("apps", [example("AppCreated")])
    assert bus.run_until_quiet() == 1

    (letter,) = bus.dead_letters
    assert letter.error_code == "ContractViolation"
    assert "'notifications' published 'AppDeleted'" in letter.error_message
    assert (letter.target, letter.service, letter.attempts) == ("notifications--AppCreated", "notifications", 1)
    assert letter.exhausted_condition is None
    assert letter.parcel is envelope
    assert [e.detail_type for e in bus.archive] == ["AppCreated"]


def test_router_lists_the_spec_rules_and_matches_envelopes() -> None:
    router = Router(contract())
    assert set(router.rules) == {rule.name for rule in contract().rules()}
    (envelope,) = new_bus().publish("apps", [example("AppCreated")])
    assert [rule.name for rule in router.targets(envelope)] == ["environments--AppCreated", "notifications--AppCreated"]
    router.check_send("apps", AppCreated)
    router.check_send("apps", "AppCreated")
