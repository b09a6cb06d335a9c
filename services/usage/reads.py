"""What the API reads of usage: an app's report for a period."""

from __future__ import annotations

from ports import Ports
from services.usage.rules import Period, UsageReport, usage_report


def read_usage(app_id: str, period: Period, ports: Ports) -> UsageReport:
    """The app's running time in the period, from every mark usage holds for it, measured until now at most."""
    return usage_report(app_id, ports.usage.marks_of_app(app_id), period, ports.clock.now())
