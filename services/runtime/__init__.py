"""runtime: provisions and destroys environments on fly.io and turns the runtime's status callbacks into
events (`accept_report`, called by the composition root's report endpoint)."""

from __future__ import annotations

from events import EnvironmentDeployRequested, EnvironmentStopped
from ports import ServiceDefinition
from services.runtime.handlers import destroy_runtime, fly_app_name, provision_deployment
from services.runtime.reports import InvalidReportError, accept_report

SERVICE = ServiceDefinition(
    name="runtime",
    handlers={EnvironmentDeployRequested: provision_deployment, EnvironmentStopped: destroy_runtime},
)

__all__ = ["SERVICE", "InvalidReportError", "accept_report", "fly_app_name"]
