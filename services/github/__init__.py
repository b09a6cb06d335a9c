"""github: the GitHub App. Webhooks become domain events at its edge (`WEBHOOKS`); preview status
changes become one pull-request comment per app; `sync_webhook_url` is the preflight at start."""

from __future__ import annotations

from events import EndpointsChanged, EnvironmentStatusChanged, EnvironmentStopped
from ports import ServiceDefinition
from services.github.comments import marker, on_endpoints_changed, on_status_changed, on_stopped, render_comment
from services.github.ingress import WEBHOOKS, admit_webhook, ingest_webhook, parse_body, sync_webhook_url
from services.github.translate import IGNORED_EVENTS, WebhookRejectedError, translate

SERVICE = ServiceDefinition(
    name="github",
    handlers={
        EnvironmentStatusChanged: on_status_changed,
        EnvironmentStopped: on_stopped,
        EndpointsChanged: on_endpoints_changed,
    },
    edges={WEBHOOKS.name: WEBHOOKS},
)

__all__ = [
    "IGNORED_EVENTS",
    "SERVICE",
    "WEBHOOKS",
    "WebhookRejectedError",
    "admit_webhook",
    "ingest_webhook",
    "marker",
    "parse_body",
    "render_comment",
    "sync_webhook_url",
    "translate",
]
