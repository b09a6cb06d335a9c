"""logs: the current deployment's log per environment, cleared on redeploy and purged on stop."""

from __future__ import annotations

from events import EnvironmentDeployRequested, EnvironmentStopped, RuntimeStatusReported
from ports import ServiceDefinition
from services.logs.handlers import (
    LOGS,
    InvalidLogsError,
    admit_logs,
    append_report,
    clear_logs,
    log_key,
    purge_logs,
    read_logs,
)

SERVICE = ServiceDefinition(
    name="logs",
    handlers={
        EnvironmentDeployRequested: clear_logs,
        RuntimeStatusReported: append_report,
        EnvironmentStopped: purge_logs,
    },
    edges={LOGS.name: LOGS},
)

__all__ = ["LOGS", "SERVICE", "InvalidLogsError", "admit_logs", "log_key", "read_logs"]
