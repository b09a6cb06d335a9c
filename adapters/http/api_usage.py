"""`GET /api/apps/{id}/usage?from=&to=`: an app's metered running time in a period, in all, per environment
type, per UTC day and per environment (decision 0013). The same route on `wingcloud serve` and on AWS.

`from` and `to` are parsed here, strictly, rather than by FastAPI, so that a missing or malformed bound is a
400 naming the parameter, the value and the two forms it may take.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from adapters.http.api_models import ErrorView
from adapters.http.backend import Backend
from adapters.http.errors import ApiError
from events.models import EnvironmentType
from services.apps.validation import UnknownAppError
from services.usage import EnvironmentUsage, InvalidPeriodError, Period, UsageReport, read_usage

USAGE = APIRouter(tags=["usage"])
FORMS = "a UTC date (2026-11-01) or a time with a zone (2026-11-01T09:30:00Z, 2026-11-01T10:30:00+01:00)"


def _system(request: Request) -> Backend:
    system: Backend = request.app.state.system
    return system


def seconds(duration: timedelta) -> float:
    """Exact to the microsecond for anything under 285 years (a double holds 2**53 microseconds)."""
    return duration / timedelta(seconds=1)


class UsageDay(BaseModel):
    model_config = ConfigDict(frozen=True)
    date: date
    running_seconds: float


class DayTotal(BaseModel):
    model_config = ConfigDict(frozen=True)
    date: date
    type: EnvironmentType
    running_seconds: float


class EnvironmentUsageView(BaseModel):
    model_config = ConfigDict(frozen=True)
    environment_id: str
    type: EnvironmentType
    branch: str
    pr_number: int | None
    running_seconds: float
    running_at_end: bool = Field(description="Still running when the period (or now, if sooner) ended")
    days: list[UsageDay] = Field(description="UTC days it ran in the period")

    @classmethod
    def of(cls, row: EnvironmentUsage) -> EnvironmentUsageView:
        days = [UsageDay(date=day, running_seconds=seconds(running)) for day, running in row.days]
        return cls(
            environment_id=row.environment_id,
            type=row.type,
            branch=row.branch,
            pr_number=row.pr_number,
            running_seconds=seconds(row.running),
            running_at_end=row.running_at_end,
            days=days,
        )


class UsageTotals(BaseModel):
    model_config = ConfigDict(frozen=True)
    running_seconds: float
    production_seconds: float
    preview_seconds: float


class UsageView(BaseModel):
    """Running seconds: from an environment's `running` status to its next other status or its stop."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)
    app_id: str
    from_: datetime = Field(alias="from")
    to: datetime
    measured_until: datetime = Field(description="`to`, or now when the period has not ended yet")
    totals: UsageTotals
    days: list[DayTotal] = Field(description="Per UTC day and environment type")
    environments: list[EnvironmentUsageView] = Field(description="Every environment that ran in the period")

    @classmethod
    def of(cls, report: UsageReport) -> UsageView:
        totals = UsageTotals(
            running_seconds=seconds(report.running),
            production_seconds=seconds(report.running_of(EnvironmentType.production)),
            preview_seconds=seconds(report.running_of(EnvironmentType.preview)),
        )
        return cls(
            app_id=report.app_id,
            from_=report.period.start,
            to=report.period.end,
            measured_until=report.measured_until,
            totals=totals,
            days=[DayTotal(date=d, type=t, running_seconds=seconds(r)) for d, t, r in report.days()],
            environments=[EnvironmentUsageView.of(row) for row in report.environments],
        )


def parse_bound(name: str, value: str | None) -> datetime:
    """A period bound from the query string; raises ApiError (400) naming the parameter and what it takes."""
    if value is None or not value.strip():
        raise ApiError(400, f"{name} is required: {FORMS}")
    text = value.strip()
    try:
        if "T" not in text.upper() and " " not in text:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        hint = " (a + in a query string arrives as a space: send it as %2B)" if " " in text else ""
        raise ApiError(400, f"{name}={value!r} is not {FORMS}{hint}") from None
    if parsed.tzinfo is None:
        raise ApiError(400, f"{name}={value!r} has no time zone: add Z for UTC, or an offset such as +01:00")
    return parsed


@USAGE.get(
    "/apps/{app_id}/usage",
    response_model=UsageView,
    responses={
        400: {"model": ErrorView, "description": "from or to missing or malformed, or to not after from"},
        404: {"model": ErrorView, "description": "No such app, and no usage recorded for it"},
    },
)
def usage_route(
    app_id: str,
    system: Annotated[Backend, Depends(_system)],
    start: Annotated[str | None, Query(alias="from", description=f"Start, inclusive: {FORMS}")] = None,
    end: Annotated[str | None, Query(alias="to", description=f"End, exclusive: {FORMS}")] = None,
) -> UsageView:
    """The app's running seconds in [from, to): totals, per environment type and UTC day, per environment."""
    try:
        period = Period(parse_bound("from", start), parse_bound("to", end))
    except InvalidPeriodError as error:
        raise ApiError(400, f"from/to: {error}") from None
    report = read_usage(app_id, period, system.ports)
    known = report.environments or system.ports.apps.get(app_id) or system.ports.usage.marks_of_app(app_id)
    if not known:  # a deleted app keeps its usage: it is unknown only when nothing was ever metered for it
        raise UnknownAppError(app_id)
    return UsageView.of(report)
