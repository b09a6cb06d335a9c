"""Steps of usage.feature.

Each figure is read as the API reads it (`WorldLike.usage`) and compared with an oracle: the environment's
EnvironmentStatusChanged and EnvironmentStopped events walked in the order they were published (which the
usage service never sees: its deliveries are duplicated and reordered under chaos).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pytest_bdd import given, parsers, scenarios, then, when

from events.models import EnvironmentStatus, EnvironmentType
from features import queries as q
from services.usage import UsageReport
from services.usage.rules import split_by_day
from sim.chaos import ChaosConfig
from sim.fakes import EPOCH
from sim.world import WorldLike

scenarios("usage.feature")

PERIOD = (EPOCH - timedelta(days=1), EPOCH + timedelta(days=30))


def report(world: WorldLike, name: str) -> UsageReport:
    return world.usage(q.app_named(world, name).id, *PERIOD)


def published_intervals(world: WorldLike, environment_id: str) -> list[tuple[datetime, datetime]]:
    """The environment's running intervals from its events in publish order; an open one ends now."""
    intervals, since = [], None
    for envelope in world.events():
        detail = envelope.detail
        if envelope.detail_type not in ("EnvironmentStatusChanged", "EnvironmentStopped"):
            continue
        if detail["environment_id"] != environment_id:
            continue
        at = datetime.fromisoformat(detail["metadata"]["occurred_at"])
        running = envelope.detail_type == "EnvironmentStatusChanged" and detail["status"] == "running"
        if running and since is None:
            since = at
        elif not running and since is not None:
            intervals.append((since, at))
            since = None
        if envelope.detail_type == "EnvironmentStopped":
            break
    return intervals + ([(since, world.now())] if since is not None else [])


def assert_seconds(metered: timedelta, published: timedelta, seconds: int, chaos: ChaosConfig | None) -> None:
    """Metered exactly as published; and, when no delivery was delayed, exactly the scenario's figure."""
    assert metered == published, f"metered {metered}, but the published status history says {published}"
    if chaos is None:
        assert metered == timedelta(seconds=seconds), f"metered {metered.total_seconds()} s, expected {seconds} s"


@given(parsers.parse("{hours:d} hours passed"))
@when(parsers.parse("{hours:d} hours pass"))
def hours_pass(world: WorldLike, hours: int) -> None:
    """Virtual time moves on; hourly schedules fire."""
    world.advance(timedelta(hours=hours))


@when(parsers.parse('codertocat stops the production environment of "{name}"'))
def user_stops_production(world: WorldLike, name: str) -> None:
    """The API's stop (EnvironmentStopRequested)."""
    world.request_stop(q.production(world, name).id, "codertocat")
    world.run()


@then(parsers.parse('the production environment of "{name}" is in error'))
def production_in_error(world: WorldLike, name: str) -> None:
    """The failed deployment left production in error."""
    assert q.production(world, name).status == EnvironmentStatus.error


def _environment_ran(world: WorldLike, name: str, environment_id: str, seconds: int, chaos: ChaosConfig | None) -> None:
    rows = {row.environment_id: row for row in report(world, name).environments}
    metered = rows[environment_id].running if environment_id in rows else timedelta()
    published = sum((end - start for start, end in published_intervals(world, environment_id)), timedelta())
    assert_seconds(metered, published, seconds, chaos)


@then(parsers.parse('the preview of "{name}" for pull request #{pr:d} ran {seconds:d} seconds'))
def preview_ran(world: WorldLike, chaos: ChaosConfig | None, name: str, pr: int, seconds: int) -> None:
    """The latest preview's running seconds."""
    _environment_ran(world, name, q.latest_preview(world, name, pr).id, seconds, chaos)


@then(parsers.parse('the production environment of "{name}" ran {seconds:d} seconds'))
def production_ran(world: WorldLike, chaos: ChaosConfig | None, name: str, seconds: int) -> None:
    """Production's running seconds."""
    _environment_ran(world, name, q.production(world, name).id, seconds, chaos)


@then(parsers.parse('"{name}" ran {total:d} seconds in all: {production:d} of production, {preview:d} of previews'))
def app_ran(world: WorldLike, chaos: ChaosConfig | None, name: str, total: int, production: int, preview: int) -> None:
    """The app's totals, in all and per environment type."""
    found = report(world, name)
    per_type: dict[EnvironmentType, timedelta] = {}
    for env in world.environments(q.app_named(world, name).id):
        ran = sum((end - start for start, end in published_intervals(world, env.id)), timedelta())
        per_type[env.type] = per_type.get(env.type, timedelta()) + ran
    expected = {EnvironmentType.production: production, EnvironmentType.preview: preview}
    for kind, seconds in expected.items():
        assert_seconds(found.running_of(kind), per_type.get(kind, timedelta()), seconds, chaos)
    assert_seconds(found.running, sum(per_type.values(), timedelta()), total, chaos)


@then(parsers.parse('"{name}" ran {seconds:d} seconds of production on {day}'))
def production_ran_on(world: WorldLike, chaos: ChaosConfig | None, name: str, seconds: int, day: str) -> None:
    """Production's running seconds within one UTC day."""
    wanted = date.fromisoformat(day)
    metered = sum(
        (ran for d, kind, ran in report(world, name).days() if d == wanted and kind is EnvironmentType.production),
        timedelta(),
    )
    published = sum(
        (
            ran
            for start, end in published_intervals(world, q.production(world, name).id)
            for d, ran in split_by_day(start, end)
            if d == wanted
        ),
        timedelta(),
    )
    assert_seconds(metered, published, seconds, chaos)
