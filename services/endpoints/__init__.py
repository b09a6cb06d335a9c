"""endpoints: DNS records (dnsimple) for the endpoints of running environments, removed on stop."""

from __future__ import annotations

from events import EnvironmentStatusChanged, EnvironmentStopped
from ports import ServiceDefinition
from services.endpoints.handlers import reconcile_endpoints, record_suffix, remove_endpoints

SERVICE = ServiceDefinition(
    name="endpoints",
    handlers={EnvironmentStatusChanged: reconcile_endpoints, EnvironmentStopped: remove_endpoints},
)

__all__ = ["SERVICE", "reconcile_endpoints", "record_suffix", "remove_endpoints"]
