"""The bus publishes EventBridge envelopes and delivers typed events along the spec's rules."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter
from test_bus_toys import START, example, fails, kinds, new_bus, recorder, service, toy_ports

import events
from events import AppCreated, EnvironmentCreated
from sim.bus import NotQuietError


def test_publish_returns_eventbridge_envelopes_with_metadata_filled() -> None:
    bus = new_bus(account="210987654321", region="eu-west-1")
    (sealed,) = bus.publish("apps", [example("AppCreated")])
    envelope = sealed.to_wire()

    assert list(envelope) == [
        "version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"
    ]  # fmt: skip
    assert envelope["version"] == "0"
    assert envelope["detail-type"] == "AppCreated"
    assert envelope["source"] == "wingcloud.apps"
    assert envelope["account"] == "210987654321"
    assert envelope["region"] == "eu-west-1"
    assert envelope["resources"] == []
    assert envelope["time"] == "2026-11-28T06:00:00Z"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", envelope["id"])
    assert envelope["detail"]["metadata"] == {
        "event_id": envelope["id"],
        "correlation_id": envelope["id"],
        "causation_id": None,
        "occurred_at": "2026-11-28T06:00:00Z",
    }
    assert envelope["detail"]["app_id"] == "app_7f3a2c9e"
    parsed: Any = TypeAdapter(events.AnyEnvelope).validate_python(envelope)
    assert isinstance(parsed.detail, AppCreated)
    assert parsed.replay_name is None


def test_envelope_time_is_whole_seconds_while_occurred_at_keeps_the_fraction() -> None:
    bus = new_bus()
    bus.clock.advance(timedelta(seconds=1, milliseconds=250))
    (envelope,) = (e.to_wire() for e in bus.publish("apps", [example("AppCreated")]))
    assert envelope["time"] == "2026-11-28T06:00:01Z"
    assert envelope["detail"]["metadata"]["occurred_at"] == "2026-11-28T06:00:01.250000Z"


def test_a_batch_shares_the_first_event_id_as_correlation_unless_one_is_given() -> None:
    bus = new_bus()
    first, second = (e.to_wire() for e in bus.publish("apps", [example("AppCreated"), example("AppDeleted")]))
    assert second["detail"]["metadata"]["correlation_id"] == first["id"] != second["id"]

    (given,) = (
        e.to_wire()
        for e in bus.publish("apps", [example("AppCreated")], correlation_id="delivery-42", causation_id="cause-1")
    )
    assert given["detail"]["metadata"]["correlation_id"] == "delivery-42"
    assert given["detail"]["metadata"]["causation_id"] == "cause-1"


def test_each_matching_rule_gets_one_delivery_of_the_typed_event_with_the_registered_ports() -> None:
    bus = new_bus()
    seen: list[tuple[str, Any, Any]] = []

    def handler_of(name: str) -> Any:
        def handle(event: Any, ports: Any) -> list[Any]:
            seen.append((name, event, ports))
            return []

        return handle

    environments_ports, notifications_ports = toy_ports(), toy_ports()
    bus.register(service("environments", AppCreated=handler_of("environments")), environments_ports)
    bus.register(service("notifications", AppCreated=handler_of("notifications")), notifications_ports)
    (envelope,) = bus.publish("apps", [example("AppCreated")])

    assert seen == []  # nothing runs until the bus is run
    assert bus.run_until_quiet() == 2
    assert [(name, ports) for name, _, ports in seen] == [
        ("environments", environments_ports),
        ("notifications", notifications_ports),
    ]
    event = seen[0][1]
    assert isinstance(event, AppCreated)
    assert event.metadata is not None and event.metadata.event_id == envelope.id
    assert bus.ports_of("notifications") is notifications_ports
    assert kinds(bus) == [
        ("published", "AppCreated", None),
        ("delivered", "AppCreated", "environments"),
        ("delivered", "AppCreated", "notifications"),
    ]


def test_the_spec_content_filter_decides_delivery() -> None:
    """endpoints receives EnvironmentStatusChanged only with status running (x-eventbridge-pattern)."""
    bus = new_bus()
    statuses: list[str] = []
    bus.register(
        service("endpoints", EnvironmentStatusChanged=recorder(statuses, "status")),
        toy_ports(),
    )
    bus.publish(
        "environments", [example("EnvironmentStatusChanged", previous_status="deploying", status="running-tests")]
    )
    bus.publish("environments", [example("EnvironmentStatusChanged")])
    bus.run_until_quiet()
    assert statuses == ["running"]  # the StrEnum member


def test_events_a_handler_returns_are_published_by_its_service_in_the_same_correlation() -> None:
    bus = new_bus()
    created = example("EnvironmentCreated")
    bus.register(service("environments", AppCreated=lambda e, p: [created]), toy_ports(), partial=True)
    (cause,) = bus.publish("apps", [example("AppCreated")])  # type: ignore[assignment]
    bus.run_until_quiet()

    (child,) = [e.to_wire() for e in bus.archive if e.detail_type == "EnvironmentCreated"]
    cause = cause.to_wire()
    assert child["source"] == "wingcloud.environments"
    assert child["detail"]["metadata"]["correlation_id"] == cause["detail"]["metadata"]["correlation_id"]
    assert child["detail"]["metadata"]["causation_id"] == cause["id"]
    received = EnvironmentCreated.model_validate(child["detail"])
    assert received.model_dump(exclude={"metadata"}) == created.model_dump(exclude={"metadata"})


def test_rules_without_a_registered_target_deliver_nothing() -> None:
    bus = new_bus()
    bus.publish("apps", [example("AppCreated")])
    assert bus.run_until_quiet() == 0
    assert kinds(bus) == [("published", "AppCreated", None)]


def test_endless_work_is_stopped_by_max_deliveries() -> None:
    bus = new_bus()  # a handler that always fails keeps the bus busy with retries for a virtual day
    bus.register(service("notifications", AppCreated=fails), toy_ports())
    bus.publish("apps", [example("AppCreated")])
    with pytest.raises(NotQuietError, match="still busy after 3 deliveries"):
        bus.run_until_quiet(max_deliveries=3)


def test_advance_runs_only_what_is_due_and_moves_the_clock() -> None:
    bus = new_bus()
    bus.register(service("notifications", AppCreated=fails), toy_ports())
    bus.publish("apps", [example("AppCreated")])
    assert bus.advance(timedelta(0)) == 1  # the first attempt is due now; the retry is later
    assert bus.clock.now() == START
    assert bus.advance(timedelta(seconds=1)) == 1  # the first retry waits 0.5 s to 1 s
    assert bus.clock.now() == START + timedelta(seconds=1)
    assert bus.run_until(START + timedelta(seconds=1)) == 0


def test_account_must_be_twelve_digits() -> None:
    with pytest.raises(ValueError, match="12-digit"):
        new_bus(account="1234")
