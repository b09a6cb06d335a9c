"""The accounting, as pure functions: from an environment's marks (in any order, any of them repeated) to its
running intervals, and from intervals to seconds per environment, environment type and UTC day in a period.

Nothing here adds to a counter: every total is derived again from the whole set of marks, so a duplicate
is the same mark and a late one lands where its timestamp puts it (decision 0013).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from events.models import EnvironmentStatus, EnvironmentType
from ports import UsageMark

RUNNING = EnvironmentStatus.running
STOPPED = EnvironmentStatus.stopped


class InvalidPeriodError(ValueError):
    """A usage period that is not a range of aware times, start before end; says which bound and why."""


@dataclass(frozen=True)
class Period:
    """The half-open range [start, end) a usage report covers."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value: datetime = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise InvalidPeriodError(f"{name} {value.isoformat()} has no time zone; give one (Z for UTC)")
        if self.end <= self.start:
            raise InvalidPeriodError(
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}: the period would be empty"
            )


@dataclass(frozen=True)
class Interval:
    """The environment ran from `start` until `end`; `end` None: it still runs."""

    start: datetime
    end: datetime | None


def timeline(marks: Iterable[UsageMark]) -> list[UsageMark]:
    """One environment's marks, each event once, in the order its statuses happened; nothing after a stop."""
    unique = {mark.event_id: mark for mark in marks}
    by_time: dict[datetime, list[UsageMark]] = {}
    for mark in unique.values():
        by_time.setdefault(mark.at, []).append(mark)
    ordered: list[UsageMark] = []
    current: EnvironmentStatus | None = None
    for at in sorted(by_time):
        for mark in _settle_ties(by_time[at], current):
            ordered.append(mark)
            current = mark.status
            if mark.status is STOPPED:
                return ordered  # stopped is final: a late report's status after it is not usage
    return ordered


def _settle_ties(group: list[UsageMark], current: EnvironmentStatus | None) -> list[UsageMark]:
    """Marks stamped with the same instant (a deploy that settles within one tick of the clock), in the order
    their `previous_status` chain gives, starting from the status before them; a stop comes last."""
    waiting = sorted((m for m in group if m.status is not STOPPED), key=lambda m: m.event_id)
    ordered: list[UsageMark] = []
    while waiting:
        follows = next((m for m in waiting if m.previous_status == current), None)
        if follows is None:  # no chain from here: take one that no other waiting mark precedes
            entered = {m.status for m in waiting}
            follows = next((m for m in waiting if m.previous_status not in entered), waiting[0])
        waiting.remove(follows)
        ordered.append(follows)
        current = follows.status
    return ordered + sorted((m for m in group if m.status is STOPPED), key=lambda m: m.event_id)


def running_intervals(marks: Iterable[UsageMark]) -> list[Interval]:
    """From each `running` to the next other status or the stop; the last one open when nothing followed."""
    intervals: list[Interval] = []
    since: datetime | None = None
    for mark in timeline(marks):
        if mark.status is RUNNING and since is None:
            since = mark.at
        elif mark.status is not RUNNING and since is not None:
            intervals.append(Interval(since, mark.at))
            since = None
    if since is not None:
        intervals.append(Interval(since, None))
    return intervals


def split_by_day(start: datetime, end: datetime) -> Iterator[tuple[date, timedelta]]:
    """[start, end) cut at each UTC midnight: (day, time within that day) for each day it touches."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    while start < end:
        midnight = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=UTC)
        stop = min(end, midnight)
        yield start.date(), stop - start
        start = stop


@dataclass(frozen=True)
class EnvironmentUsage:
    """One environment's running time in a period, in all and per UTC day (days it did not run are left out)."""

    environment_id: str
    type: EnvironmentType
    branch: str
    pr_number: int | None
    running: timedelta
    days: tuple[tuple[date, timedelta], ...]
    running_at_end: bool  # still running when the period (or the reading, if sooner) ended


@dataclass(frozen=True)
class UsageReport:
    app_id: str
    period: Period
    measured_until: datetime  # the end of the period, or now when the period has not ended yet
    environments: tuple[EnvironmentUsage, ...]

    @property
    def running(self) -> timedelta:
        return sum((e.running for e in self.environments), timedelta())

    def running_of(self, environment_type: EnvironmentType) -> timedelta:
        return sum((e.running for e in self.environments if e.type is environment_type), timedelta())

    def days(self) -> list[tuple[date, EnvironmentType, timedelta]]:
        """Per UTC day and environment type, in day order."""
        totals: dict[tuple[date, EnvironmentType], timedelta] = {}
        for env in self.environments:
            for day, running in env.days:
                totals[(day, env.type)] = totals.get((day, env.type), timedelta()) + running
        return [(day, kind, running) for (day, kind), running in sorted(totals.items())]


def usage_report(app_id: str, marks: Iterable[UsageMark], period: Period, now: datetime) -> UsageReport:
    """The app's running time in the period, measured until the period's end or `now`, whichever is sooner."""
    until = max(period.start, min(period.end, now))
    per_environment: dict[str, list[UsageMark]] = {}
    for mark in marks:
        per_environment.setdefault(mark.environment_id, []).append(mark)
    rows = []
    for environment_id, own in sorted(per_environment.items()):
        days: dict[date, timedelta] = {}
        running_at_end = False
        for interval in running_intervals(own):
            end = until if interval.end is None else min(interval.end, until)
            running_at_end = running_at_end or (
                interval.start < until and (interval.end is None or interval.end > until)
            )
            for day, running in split_by_day(max(interval.start, period.start), end):
                days[day] = days.get(day, timedelta()) + running
        if days:
            first = own[0]
            total = sum(days.values(), timedelta())
            rows.append(
                EnvironmentUsage(
                    environment_id,
                    first.type,
                    first.branch,
                    first.pr_number,
                    total,
                    tuple(sorted(days.items())),
                    running_at_end,
                )
            )
    return UsageReport(app_id, period, until, tuple(rows))
