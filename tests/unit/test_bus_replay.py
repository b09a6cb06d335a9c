"""Every event is archived; a time window can be replayed (optionally to some rules) with `replay-name`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_bus_toys import START, example, new_bus, recorder, service, toy_ports

from sim.bus import Bus


def three_apps_an_hour_apart() -> tuple[Bus, list[str], list[str]]:
    bus = new_bus()
    environments: list[str] = []
    notifications: list[str] = []
    bus.register(service("environments", AppCreated=recorder(environments, "app_id")), toy_ports())
    bus.register(service("notifications", AppCreated=recorder(notifications, "app_id")), toy_ports())
    for number in range(3):
        bus.publish("apps", [example("AppCreated", app_id=f"app_{number}")])
        bus.advance(timedelta(hours=1))
    return bus, environments, notifications


def test_every_published_event_is_archived_in_order() -> None:
    bus = new_bus()
    bus.register(service("environments", AppCreated=lambda e, p: [example("EnvironmentCreated")]), toy_ports())
    bus.publish("apps", [example("AppCreated")])
    bus.run_until_quiet()
    assert [(e.detail_type, e.source) for e in bus.archive] == [
        ("AppCreated", "wingcloud.apps"),
        ("EnvironmentCreated", "wingcloud.environments"),
    ]


def test_replay_re_sends_the_window_with_replay_name_and_does_not_archive_it_again() -> None:
    bus, environments, notifications = three_apps_an_hour_apart()
    archived = list(bus.archive)
    assert environments == notifications == ["app_0", "app_1", "app_2"]

    # start is inclusive, end exclusive: the events of 07:00 and 08:00, not 06:00
    assert bus.replay("after-fix", START + timedelta(hours=1), START + timedelta(hours=2, seconds=1)) == 2
    bus.run_until_quiet()

    assert environments[3:] == notifications[3:] == ["app_1", "app_2"]
    assert bus.archive == archived
    replayed = [r for r in bus.trace.records() if r.kind == "replayed"]
    assert [r.envelope.replay_name for r in replayed] == ["after-fix", "after-fix"]
    assert [r.event_id for r in replayed] == [e.id for e in archived[1:]]
    assert all(e.replay_name is None for e in bus.archive)
    redelivered = [
        r
        for r in bus.trace.records()
        if r.kind == "delivered" and r.envelope is not None and r.envelope.replay_name is not None
    ]
    assert len(redelivered) == 4


def test_replay_to_named_rules_only() -> None:
    bus, environments, notifications = three_apps_an_hour_apart()
    count = bus.replay("notify-again", START, START + timedelta(hours=3), rules=["notifications--AppCreated"])
    bus.run_until_quiet()
    assert count == 3
    assert environments == ["app_0", "app_1", "app_2"]
    assert notifications == ["app_0", "app_1", "app_2"] * 2


def test_replay_refuses_unknown_rules_and_empty_windows() -> None:
    bus, _, _ = three_apps_an_hour_apart()
    with pytest.raises(ValueError, match="does not define: nobody--AppCreated"):
        bus.replay("r", START, START + timedelta(hours=1), rules=["nobody--AppCreated"])
    with pytest.raises(ValueError, match="needs start < end"):
        bus.replay("r", START, START)
    assert bus.replay("r", START - timedelta(days=1), START) == 0
    for bad in ("", "after fix", "x" * 65, "fix/1"):
        with pytest.raises(ValueError, match="must be 1 to 64 characters"):
            bus.replay(bad, START, START + timedelta(hours=3))
    assert bus.replay("fix-1.retry_2", START, START + timedelta(hours=3)) == 3


def test_events_published_by_handlers_during_a_replay_are_new_and_archived() -> None:
    bus = new_bus()
    bus.register(service("environments", AppCreated=lambda e, p: [example("EnvironmentCreated")]), toy_ports())
    bus.publish("apps", [example("AppCreated")])
    bus.run_until_quiet()
    bus.replay("again", START, START + timedelta(seconds=1))
    bus.run_until_quiet()
    created = [e for e in bus.archive if e.detail_type == "EnvironmentCreated"]
    assert len(created) == 2 and created[0].id != created[1].id
    assert all("replay-name" not in e for e in created)
