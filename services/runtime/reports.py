"""The report door: a runtime's status callback (its token checked by the backend) becomes
`RuntimeStatusReported`. `admit_report` runs at the door, so a malformed report is answered 400 at once;
fencing by deployment id is the environment manager's job."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from events import Event, RuntimeStatusReported
from events.models import RuntimeReportStatus
from ports import Arrival, Edge, Ports, RuntimeReport
from ports.codec import from_json


class InvalidReportError(ValueError):
    """A runtime report breaks the contract (unknown status, bad endpoint label...); names what and why."""


def read_report(body: bytes) -> RuntimeReport:
    """The report in a request body; raises InvalidReportError naming every bad field."""
    try:
        return from_json(RuntimeReport, body)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {_said(e)}" for e in error.errors())
        raise InvalidReportError(f"the report is not valid: {problems}") from None


def _said(error: Any) -> str:
    """pydantic's message, but a URL that breaks the contract's pattern says what a URL must be."""
    if error["type"] == "string_pattern_mismatch" and error["loc"] and error["loc"][-1] == "url":
        return "must be an http:// or https:// URL"
    return str(error["msg"])


def admit_report(arrival: Arrival) -> RuntimeStatusReported:
    """The event of one report; raises InvalidReportError when it can never be one."""
    report = read_report(arrival.body)
    try:
        status = RuntimeReportStatus(report.status)
    except ValueError:
        allowed = ", ".join(s.value for s in RuntimeReportStatus)
        raise InvalidReportError(f"status {report.status!r} is not one of {allowed}") from None
    try:
        return RuntimeStatusReported(
            environment_id=report.environment_id,
            deployment_id=report.deployment_id,
            status=status,
            test_results=list(report.test_results),
            endpoints=list(report.endpoints),
            error_message=report.error_message,
        )
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise InvalidReportError(f"report for {report.environment_id}: {problems}") from None


def accept_report(arrival: Arrival, ports: Ports) -> list[Event]:
    """A runtime's report becomes `RuntimeStatusReported`."""
    return [admit_report(arrival)]


REPORTS = Edge(
    name="report",
    trigger="runtime-reports",
    admit=admit_report,
    handler=accept_report,
    rejections=(InvalidReportError,),
)
