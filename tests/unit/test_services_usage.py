"""Usage metering: running seconds from an environment's marks, whatever their order and however often they
arrive, split per UTC day, across redeploys, errors and stops."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from events import EnvironmentStatusChanged, EnvironmentStopped
from events.models import EnvironmentStatus, EnvironmentType, EventMetadata
from ports import UsageMark
from services.usage import InvalidPeriodError, MissingMetadataError, Period, read_usage
from services.usage.handlers import record_status_change, record_stop
from services.usage.rules import Interval, running_intervals, split_by_day, timeline, usage_report
from sim.fakes import Fakes
from tests.builders import SHA_A, a_preview_event

S = EnvironmentStatus
T0 = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
WIDE = Period(T0 - timedelta(days=30), T0 + timedelta(days=30))
LATER = T0 + timedelta(days=60)  # "now", after every period of these tests


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def mark(
    event_id: str,
    status: EnvironmentStatus,
    when: datetime,
    previous: EnvironmentStatus | None = None,
    *,
    environment_id: str = "env_1",
    kind: EnvironmentType = EnvironmentType.production,
) -> UsageMark:
    return UsageMark(
        event_id=event_id,
        app_id="app_1",
        environment_id=environment_id,
        type=kind,
        branch="master" if kind is EnvironmentType.production else "changes",
        pr_number=None if kind is EnvironmentType.production else 2,
        at=when,
        status=status,
        previous_status=previous,
    )


def deploy(
    prefix: str, start: datetime, running_at: datetime, previous: EnvironmentStatus | None, **where: Any
) -> list[UsageMark]:
    """A deployment's status changes: initializing at `start`, running at `running_at`. Their event ids sort
    backwards (as random ids may), so nothing can lean on id order for marks stamped with one instant."""
    step = (running_at - start) / 4
    return [
        mark(f"{prefix}-5", S.initializing, start, previous, **where),
        mark(f"{prefix}-4", S.deploying, start + step, S.initializing, **where),
        mark(f"{prefix}-3", S.running_tests, start + 2 * step, S.deploying, **where),
        mark(f"{prefix}-2", S.running_server, start + 3 * step, S.running_tests, **where),
        mark(f"{prefix}-1", S.running, running_at, S.running_server, **where),
    ]


def seconds(marks: list[UsageMark], period: Period = WIDE, now: datetime = LATER) -> float:
    return usage_report("app_1", marks, period, now).running.total_seconds()


# --- from running to the next other status, or the stop -----------------------------------------------------


def test_running_is_metered_from_running_until_the_stop() -> None:
    marks = [*deploy("d1", at(0), at(2), None), mark("stop", S.stopped, at(62))]
    assert running_intervals(marks) == [Interval(at(2), at(62))]
    assert seconds(marks) == 3600


def test_a_redeploy_ends_running_until_the_new_deployment_runs() -> None:
    marks = [
        *deploy("d1", at(0), at(5), None),
        *deploy("d2", at(65), at(70), S.running),  # a push: running -> initializing, 5 minutes to run again
        mark("stop", S.stopped, at(130)),
    ]
    assert running_intervals(marks) == [Interval(at(5), at(65)), Interval(at(70), at(130))]
    assert seconds(marks) == 2 * 3600


def test_an_error_ends_running_and_a_redeploy_from_error_starts_it_again() -> None:
    marks = [
        *deploy("d1", at(0), at(1), None),
        mark("err", S.error, at(31), S.running),
        *deploy("d2", at(50), at(51), S.error),
        mark("stop", S.stopped, at(81)),
    ]
    assert seconds(marks) == 60 * 60


def test_a_deployment_that_never_runs_meters_nothing() -> None:
    marks = [mark("i", S.initializing, at(0)), mark("e", S.tests_error, at(3), S.running_tests)]
    marks += [mark("stop", S.stopped, at(10))]
    assert running_intervals(marks) == []
    assert usage_report("app_1", marks, WIDE, LATER).environments == ()


def test_a_running_environment_is_metered_until_now_and_said_to_be_running() -> None:
    marks = deploy("d1", at(0), at(10), None)
    report = usage_report("app_1", marks, WIDE, now=at(40))
    [row] = report.environments
    assert (row.running, row.running_at_end, report.measured_until) == (timedelta(minutes=30), True, at(40))


def test_nothing_after_a_stop_counts_even_a_later_running_mark() -> None:
    marks = [*deploy("d1", at(0), at(10), None), mark("stop", S.stopped, at(20))]
    marks += [mark("late", S.running, at(25), S.running_server)]
    assert [m.event_id for m in timeline(marks)][-1] == "stop"
    assert seconds(marks) == 600


# --- duplicates and order ---------------------------------------------------------------------------------


def lifecycle() -> list[UsageMark]:
    """Two environments: production redeployed once and errored, a preview stopped; 3h40m of running in all."""
    production = [
        *deploy("p1", at(0), at(10), None),
        *deploy("p2", at(70), at(75), S.running),
        mark("p-err", S.error, at(135), S.running),
    ]
    preview = deploy("v1", at(5), at(20), None, environment_id="env_2", kind=EnvironmentType.preview)
    return [
        *production,
        *preview,
        mark("w-stop", S.stopped, at(140), environment_id="env_2", kind=EnvironmentType.preview),
    ]


def test_the_lifecycle_meters_each_environment_exactly() -> None:
    report = usage_report("app_1", lifecycle(), WIDE, LATER)
    assert report.running_of(EnvironmentType.production) == timedelta(minutes=60 + 60)
    assert report.running_of(EnvironmentType.preview) == timedelta(minutes=120)
    assert report.running == timedelta(minutes=240)


@pytest.mark.parametrize("seed", range(25))
def test_any_order_and_any_duplicates_give_the_same_report(seed: int) -> None:
    rng = random.Random(seed)
    expected = usage_report("app_1", lifecycle(), WIDE, LATER)
    delivered = lifecycle() + [rng.choice(lifecycle()) for _ in range(10)]  # duplicates: the same event ids
    rng.shuffle(delivered)
    assert usage_report("app_1", delivered, WIDE, LATER) == expected


def test_recording_through_the_handlers_twice_counts_once() -> None:
    fakes = Fakes()
    events = [status_changed("e1", S.running, S.running_server, at(0)), stopped("e2", at(45))]
    for event in events + events[::-1]:  # each delivered twice, the second time in reverse order
        handle(event, fakes)
    fakes.clock.advance(timedelta(days=1))
    report = read_usage("app_1", WIDE, fakes.ports())
    assert report.running == timedelta(minutes=45)
    assert len(fakes.usage.marks) == 2


def test_a_deploy_stamped_within_one_instant_runs_from_that_instant() -> None:
    """The simulator settles a whole deploy at one virtual instant; the previous-status chain orders it."""
    same = [
        *deploy("d1", at(0), at(0), None),
        *deploy("d2", at(30), at(30), S.running),  # a redeploy settled at one instant: still running after it
        mark("stop", S.stopped, at(90)),
    ]
    for seed in range(10):
        random.Random(seed).shuffle(same)
        assert [m.status for m in timeline(same)][-2:] == [S.running, S.stopped]
        assert seconds(same) == 90 * 60


def test_a_stop_at_the_same_instant_as_running_ends_it_at_once() -> None:
    marks = [mark("r", S.running, at(5), S.running_server), mark("stop", S.stopped, at(5))]
    assert seconds(marks[::-1]) == 0


# --- days and periods -------------------------------------------------------------------------------------


def test_running_across_midnight_is_split_at_utc_midnight() -> None:
    start = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    marks = [mark("r", S.running, start, S.running_server), mark("stop", S.stopped, start + timedelta(hours=27))]
    [row] = usage_report("app_1", marks, WIDE, LATER).environments
    assert row.days == (
        (date(2026, 11, 28), timedelta(hours=1)),
        (date(2026, 11, 29), timedelta(hours=24)),
        (date(2026, 11, 30), timedelta(hours=2)),
    )


def test_a_day_boundary_in_another_time_zone_is_still_utc_midnight() -> None:
    berlin = datetime(2026, 11, 29, 1, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # 00:30 UTC
    assert list(split_by_day(berlin - timedelta(hours=1), berlin)) == [
        (date(2026, 11, 28), timedelta(minutes=30)),
        (date(2026, 11, 29), timedelta(minutes=30)),
    ]


def test_a_period_counts_only_its_own_part_of_an_interval() -> None:
    marks = [mark("r", S.running, at(0), S.running_server), mark("stop", S.stopped, at(600))]
    assert seconds(marks, Period(at(60), at(120))) == 3600
    assert seconds(marks, Period(at(-60), at(30))) == 1800
    assert seconds(marks, Period(at(700), at(800))) == 0


def test_per_day_and_type_totals() -> None:
    midnight = datetime(2026, 11, 29, tzinfo=UTC)
    marks = [
        mark("p", S.running, midnight - timedelta(hours=1), S.running_server),
        mark("v", S.running, midnight, S.running_server, environment_id="env_2", kind=EnvironmentType.preview),
    ]
    report = usage_report("app_1", marks, Period(midnight - timedelta(days=1), midnight + timedelta(hours=2)), LATER)
    assert report.days() == [
        (date(2026, 11, 28), EnvironmentType.production, timedelta(hours=1)),
        (date(2026, 11, 29), EnvironmentType.preview, timedelta(hours=2)),
        (date(2026, 11, 29), EnvironmentType.production, timedelta(hours=2)),
    ]


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        (datetime(2026, 11, 1), datetime(2026, 12, 1, tzinfo=UTC), "start 2026-11-01T00:00:00 has no time zone"),
        (at(10), at(10), "is not after start"),
        (at(10), at(0), "is not after start"),
    ],
)
def test_a_period_must_be_aware_and_not_empty(start: datetime, end: datetime, says: str) -> None:
    with pytest.raises(InvalidPeriodError, match=says):
        Period(start, end)


# --- the handlers -----------------------------------------------------------------------------------------


def metadata(event_id: str, when: datetime) -> EventMetadata:
    return EventMetadata(event_id=event_id, correlation_id="c", causation_id=None, occurred_at=when)


def status_changed(
    event_id: str | None, status: EnvironmentStatus, previous: EnvironmentStatus, when: datetime
) -> EnvironmentStatusChanged:
    return a_preview_event(
        EnvironmentStatusChanged,
        deployment_id="dep_1",
        sha=SHA_A,
        previous_status=previous,
        status=status,
        test_results=[],
        endpoints=[],
        error_message=None,
        metadata=None if event_id is None else metadata(event_id, when),
    )


def stopped(event_id: str, when: datetime) -> EnvironmentStopped:
    return a_preview_event(
        EnvironmentStopped, deployment_id="dep_1", reason="pull-request-closed", metadata=metadata(event_id, when)
    )


def handle(event: EnvironmentStatusChanged | EnvironmentStopped, fakes: Fakes) -> None:
    if isinstance(event, EnvironmentStopped):
        assert record_stop(event, fakes.ports()) == []
    else:
        assert record_status_change(event, fakes.ports()) == []


def test_a_mark_is_placed_at_the_events_own_time_not_the_delivery_time() -> None:
    fakes = Fakes()
    fakes.clock.advance(timedelta(hours=5))  # delivered five hours after it happened
    handle(status_changed("e1", S.running, S.running_server, at(0)), fakes)
    [kept] = fakes.usage.marks.values()
    assert (kept.at, kept.status, kept.previous_status, kept.type) == (at(0), S.running, S.running_server, "preview")


def test_an_event_without_metadata_is_refused_naming_what_is_missing() -> None:
    with pytest.raises(MissingMetadataError, match=r"EnvironmentStatusChanged of env_1 has no metadata.*event_id"):
        handle(status_changed(None, S.running, S.running_server, at(0)), Fakes())
