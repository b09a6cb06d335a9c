"""Nothing is dropped: invalid events and exhausted retries end as dead letters, which can be redriven."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from test_bus_toys import START, construct, example, fails, kinds, new_bus, service, toy_ports

from bus.envelope import Envelope
from bus.retry import MAXIMUM_EVENT_AGE, MAXIMUM_RETRY_ATTEMPTS, RetryPolicy
from events import Endpoint
from sim.bus import InvalidEventError, RedriveError


def test_an_invalid_date_time_is_rejected_at_publish_and_kept_as_a_dead_letter() -> None:
    bus = new_bus()
    bus.register(service("environments"), toy_ports())
    broken = construct("CleanupDue", scheduled_at="yesterday", stale_after_seconds=3600)

    with pytest.raises(InvalidEventError) as raised:
        bus.publish("cleaner", [broken])
    assert isinstance(raised.value, ValueError)
    assert str(raised.value) == "CleanupDue: invalid detail at detail.scheduled_at: 'yesterday' is not a 'date-time'"

    (letter,) = bus.dead_letters
    assert (letter.error_code, letter.error_message) == ("InvalidEvent", str(raised.value))
    assert (letter.target, letter.service, letter.attempts, letter.exhausted_condition) == (None, None, 0, None)
    assert letter.parcel.to_wire()["detail"]["scheduled_at"] == "yesterday"
    assert letter.at == START
    assert bus.archive == []
    assert bus.run_until_quiet() == 0
    assert kinds(bus) == [("rejected", "CleanupDue", None), ("dead-lettered", "CleanupDue", None)]


def test_a_uri_that_pydantic_accepts_but_the_spec_refuses_is_rejected() -> None:
    bus = new_bus()
    # the spec's pattern (http or https, no spaces) lets it through; RFC 3986 does not (a bad percent-escape)
    bad = example("EnvironmentStatusChanged", endpoints=[Endpoint(label="website", url="http://example.com/%zz")])
    with pytest.raises(
        InvalidEventError, match=r"detail\.endpoints\[0\]\.url: 'http://example.com/%zz' is not a 'uri'"
    ):
        bus.publish("environments", [bad])
    assert bus.dead_letters[0].error_code == "InvalidEvent"


def test_a_batch_with_one_invalid_event_publishes_none() -> None:
    bus = new_bus()
    broken = construct("CleanupDue", scheduled_at="2026-11-28T07:00:00Z", stale_after_seconds=-1)
    with pytest.raises(InvalidEventError, match="stale_after_seconds"):
        bus.publish("cleaner", [example("CleanupDue"), broken])
    assert bus.archive == []
    assert len(bus.dead_letters) == 1


def test_an_invalid_event_a_handler_returns_dead_letters_the_delivery_without_retries() -> None:
    bus = new_bus()
    broken = construct("EnvironmentCreated", **{**example("EnvironmentCreated").model_dump(), "sha": "main"})
    bus.register(service("environments", AppCreated=lambda e, p: [broken]), toy_ports(), partial=True)
    (cause,) = bus.publish("apps", [example("AppCreated")])
    assert bus.run_until_quiet() == 1

    (letter,) = bus.dead_letters
    assert letter.parcel is cause
    assert (letter.error_code, letter.exhausted_condition, letter.attempts) == ("InvalidEvent", None, 1)
    assert "EnvironmentCreated: invalid detail at detail.sha" in letter.error_message
    assert kinds(bus) == [
        ("published", "AppCreated", None),
        ("rejected", "EnvironmentCreated", None),
        ("failed", "AppCreated", "environments"),
        ("dead-lettered", "AppCreated", "environments"),
    ]
    assert [e.detail_type for e in bus.archive] == ["AppCreated"]


def test_a_failing_handler_is_retried_with_growing_backoff_then_dead_lettered_after_max_attempts() -> None:
    bus = new_bus(retry=RetryPolicy(maximum_attempts=3, base_delay=timedelta(seconds=10)))
    bus.register(service("notifications", AppCreated=fails), toy_ports())
    (envelope,) = bus.publish("apps", [example("AppCreated")])
    assert bus.run_until_quiet() == 4

    (letter,) = bus.dead_letters
    assert letter.exhausted_condition == MAXIMUM_RETRY_ATTEMPTS == "MaximumRetryAttempts"
    assert (letter.attempts, letter.retry_attempts) == (4, 3)
    assert (letter.error_code, letter.error_message) == ("RuntimeError", "fly.io is down")
    assert (letter.target, letter.service, letter.parcel) == (
        "notifications--AppCreated",
        "notifications",
        envelope,
    )
    assert [kind for kind, _, _ in kinds(bus)] == ["published"] + ["failed", "retry-scheduled"] * 3 + [
        "failed",
        "dead-lettered",
    ]
    scheduled = [r for r in bus.trace.records() if r.kind == "retry-scheduled"]
    assert [r.attempt for r in scheduled] == [2, 3, 4]
    waits = [r.due_at - r.at for r in scheduled if r.due_at is not None]
    for number, wait in enumerate(waits, start=1):  # half fixed, half jitter of 10 s * 2**(n-1)
        step = timedelta(seconds=10) * 2 ** (number - 1)
        assert step / 2 <= wait <= step
    assert letter.at == START + sum(waits, timedelta())
    assert [r.attempt for r in bus.trace.records() if r.kind == "failed"] == [1, 2, 3, 4]


def test_retries_stop_at_the_maximum_event_age() -> None:
    policy = RetryPolicy(maximum_event_age=timedelta(minutes=2), base_delay=timedelta(seconds=5))
    bus = new_bus(retry=policy)
    bus.register(service("notifications", AppCreated=fails), toy_ports())
    bus.publish("apps", [example("AppCreated")])
    calls = bus.run_until_quiet()

    (letter,) = bus.dead_letters
    assert letter.exhausted_condition == MAXIMUM_EVENT_AGE == "MaximumEventAgeInSeconds"
    assert 3 < calls == letter.attempts < 186
    failures = [r.at for r in bus.trace.records() if r.kind == "failed"]
    assert all(at - START <= timedelta(minutes=2) for at in failures)
    assert letter.at == failures[-1]


def test_a_flaky_handler_succeeds_on_a_retry_and_nothing_is_dead_lettered() -> None:
    bus = new_bus()
    calls: list[int] = []

    def flaky(event: Any, ports: Any) -> list[Any]:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("timeout")
        return []

    bus.register(service("notifications", AppCreated=flaky), toy_ports())
    bus.publish("apps", [example("AppCreated")])
    bus.run_until_quiet()
    assert len(calls) == 3 and bus.dead_letters == []
    delivered = [r for r in bus.trace.records() if r.kind == "delivered"]
    assert [(r.attempt, r.at > START) for r in delivered] == [(3, True)]


def test_redrive_delivers_the_dead_letter_again_with_fresh_attempts() -> None:
    bus = new_bus(retry=RetryPolicy(maximum_attempts=0))
    broken = {"yes": True}
    received: list[str] = []

    def until_fixed(event: Any, ports: Any) -> list[Any]:
        if broken["yes"]:
            raise RuntimeError("bug")
        received.append(event.app_id)
        return []

    bus.register(service("notifications", AppCreated=until_fixed), toy_ports())
    bus.publish("apps", [example("AppCreated")])
    bus.run_until_quiet()
    (letter,) = bus.dead_letters
    assert (letter.attempts, letter.exhausted_condition) == (1, "MaximumRetryAttempts")

    broken["yes"] = False
    bus.redrive(letter.id)
    assert bus.dead_letters == []
    assert bus.run_until_quiet() == 1
    assert received == ["app_7f3a2c9e"]
    assert [(r.kind, r.attempt) for r in bus.trace.records()][-2:] == [("redriven", 0), ("delivered", 1)]
    with pytest.raises(RedriveError, match=f"no dead letter with id '{letter.id}'"):
        bus.redrive(letter.id)


def test_a_redriven_envelope_is_validated_again_on_receipt() -> None:
    bus = new_bus(retry=RetryPolicy(maximum_attempts=0))
    calls: list[Any] = []

    def fails_once(event: Any, ports: Any) -> list[Any]:
        calls.append(event)
        if len(calls) == 1:
            raise RuntimeError("bug")
        return []

    bus.register(service("notifications", AppCreated=fails_once), toy_ports())
    bus.publish("apps", [example("AppCreated")])
    bus.run_until_quiet()
    (letter,) = bus.dead_letters
    wire = letter.parcel.to_wire()  # a message corrupted while it waited in the queue:
    corrupted = Envelope.from_wire({**wire, "detail": {**wire["detail"], "installation_id": 0}})
    bus._dead.remove(letter.id)
    bus._dead.add(replace(letter, parcel=corrupted))

    bus.redrive(letter.id)
    bus.run_until_quiet()
    (again,) = bus.dead_letters
    assert again.error_code == "InvalidEvent" and again.exhausted_condition is None
    assert "detail.installation_id: 0 is less than the minimum of 1" in again.error_message
    assert len(calls) == 1  # the handler never saw the invalid event
    assert [r.kind for r in bus.trace.records()][-4:] == ["redriven", "rejected", "failed", "dead-lettered"]


def test_an_event_rejected_at_publish_cannot_be_redriven() -> None:
    bus = new_bus()
    with pytest.raises(InvalidEventError):
        bus.publish("cleaner", [construct("CleanupDue", scheduled_at="soon", stale_after_seconds=1)])
    with pytest.raises(RedriveError, match="no target to redrive to"):
        bus.redrive(bus.dead_letters[0].id)
