"""Scheduled events fire in virtual time from EventBridge rate expressions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from test_bus_toys import START, construct, example, new_bus, recorder, service, toy_ports

from bus.schedule import parse_rate
from sim.bus import ContractViolationError


@pytest.mark.parametrize(
    ("expression", "interval"),
    [
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(1 hour)", timedelta(hours=1)),
        ("rate(12 hours)", timedelta(hours=12)),
        ("rate(1 day)", timedelta(days=1)),
        ("rate(7 days)", timedelta(days=7)),
    ],
)
def test_rate_expressions(expression: str, interval: timedelta) -> None:
    assert parse_rate(expression) == interval


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("rate(1 hours)", "a value of 1 takes the singular unit, rate(1 hour)"),
        ("rate(5 hour)", "a value above 1 takes the plural unit, rate(5 hours)"),
        ("rate(0 minutes)", "the value must be positive"),
        ("rate(2 weeks)", "expected rate(value unit)"),
        ("rate(1.5 hours)", "expected rate(value unit)"),
        ("cron(0 * * * ? *)", "expected rate(value unit)"),
        ("rate(1  hour)", "expected rate(value unit)"),
    ],
)
def test_invalid_rate_expressions_say_why(expression: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"invalid schedule expression {expression!r}: {reason}")):
        parse_rate(expression)


def test_a_schedule_publishes_every_interval_as_its_service() -> None:
    bus = new_bus()
    due: list[Any] = []
    bus.register(
        service("environments", CleanupDue=recorder(due, "metadata")),
        toy_ports(),
    )
    bus.schedule("cleaner", "rate(1 hour)", lambda: [example("CleanupDue")])

    assert bus.run_until_quiet() == 0  # a schedule alone never keeps the bus busy
    assert bus.clock.now() == START
    bus.advance(timedelta(hours=3, minutes=30))
    assert [metadata.occurred_at - START for metadata in due] == [timedelta(hours=hours) for hours in (1, 2, 3)]
    assert bus.clock.now() == START + timedelta(hours=3, minutes=30)
    ticks = [e for e in bus.archive if e.detail_type == "CleanupDue"]
    assert {e.source for e in ticks} == {"wingcloud.cleaner"}
    assert len({e.correlation_id for e in ticks}) == 3  # one correlation per tick


def test_a_schedule_for_an_unknown_service_or_a_bad_expression_is_refused() -> None:
    bus = new_bus()
    with pytest.raises(ContractViolationError, match="'janitor' is not a service of the spec"):
        bus.schedule("janitor", "rate(1 hour)", lambda: [])
    with pytest.raises(ValueError, match="rate\\(1 hour\\)"):
        bus.schedule("cleaner", "rate(1 hours)", lambda: [])


def test_an_invalid_scheduled_event_is_dead_lettered_and_the_schedule_keeps_running() -> None:
    bus = new_bus()
    bus.schedule("cleaner", "rate(1 hour)", lambda: [construct("CleanupDue", scheduled_at="x", stale_after_seconds=1)])
    bus.advance(timedelta(hours=2))
    assert [d.error_code for d in bus.dead_letters] == ["InvalidEvent", "InvalidEvent"]
