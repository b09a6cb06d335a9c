"""usage: metered running time per environment, app, environment type and UTC day, from the environments'
status timeline (decision 0013)."""

from __future__ import annotations

from events import EnvironmentStatusChanged, EnvironmentStopped
from ports import ServiceDefinition
from services.usage.handlers import MissingMetadataError, record_status_change, record_stop
from services.usage.reads import read_usage
from services.usage.rules import EnvironmentUsage, InvalidPeriodError, Period, UsageReport

SERVICE = ServiceDefinition(
    name="usage",
    handlers={EnvironmentStatusChanged: record_status_change, EnvironmentStopped: record_stop},
)

__all__ = [
    "SERVICE",
    "EnvironmentUsage",
    "InvalidPeriodError",
    "MissingMetadataError",
    "Period",
    "UsageReport",
    "read_usage",
]
