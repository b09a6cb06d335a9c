"""The wing.cloud services: one package each, plain handler functions over ports (no sim, no adapters).

`ALL_SERVICES` is what a composition root registers on its bus; every service's handlers match the spec's
receive operations for it exactly.
"""

from __future__ import annotations

from ports import ServiceDefinition
from services import (
    api,
    apps,
    cleaner,
    endpoints,
    environments,
    github,
    gitlab,
    logs,
    notifications,
    runtime,
    secrets,
    usage,
)

ALL_SERVICES: tuple[ServiceDefinition, ...] = (
    github.SERVICE,
    gitlab.SERVICE,
    apps.SERVICE,
    environments.SERVICE,
    runtime.SERVICE,
    secrets.SERVICE,
    endpoints.SERVICE,
    logs.SERVICE,
    notifications.SERVICE,
    cleaner.SERVICE,
    api.SERVICE,
    usage.SERVICE,
)

__all__ = ["ALL_SERVICES"]
