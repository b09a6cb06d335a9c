"""runtime: provisions and destroys environments on fly.io (a deployment's machine replaces the previous one
once it has settled) and turns the runtime's status callbacks into
events at its edge (`REPORTS`)."""

from __future__ import annotations

from events import EnvironmentDeployRequested, EnvironmentStatusChanged, EnvironmentStopped
from ports import ServiceDefinition
from services.runtime.handlers import destroy_runtime, fly_app_name, provision_deployment, retire_replaced
from services.runtime.reports import REPORTS, InvalidReportError, accept_report, admit_report, read_report

SERVICE = ServiceDefinition(
    name="runtime",
    handlers={
        EnvironmentDeployRequested: provision_deployment,
        EnvironmentStatusChanged: retire_replaced,
        EnvironmentStopped: destroy_runtime,
    },
    edges={REPORTS.name: REPORTS},
)

__all__ = [
    "REPORTS",
    "SERVICE",
    "InvalidReportError",
    "accept_report",
    "admit_report",
    "fly_app_name",
    "read_report",
]
