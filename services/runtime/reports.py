"""The runtime's status callback (edge entry point): a verified report becomes `RuntimeStatusReported`."""

from __future__ import annotations

from pydantic import ValidationError

from events import Event, RuntimeStatusReported
from events.models import Endpoint, RuntimeReportStatus, TestResult
from ports import Ports, RuntimeReport


class InvalidReportError(ValueError):
    """A runtime report breaks the contract (unknown status, bad endpoint label...); names what and why."""


def accept_report(report: RuntimeReport, ports: Ports) -> list[Event]:
    """Translate one report; fencing by deployment id is the environment manager's job."""
    try:
        status = RuntimeReportStatus(report.status)
    except ValueError:
        allowed = ", ".join(s.value for s in RuntimeReportStatus)
        raise InvalidReportError(f"status {report.status!r} is not one of {allowed}") from None
    try:
        reported = RuntimeStatusReported(
            environment_id=report.environment_id,
            deployment_id=report.deployment_id,
            status=status,
            test_results=[TestResult(path=p, passed=ok, error=err) for p, ok, err in report.test_results],
            endpoints=[Endpoint(label=label, url=url) for label, url in report.endpoints],
            error_message=report.error_message,
        )
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise InvalidReportError(f"report for {report.environment_id}: {problems}") from None
    return [reported]
