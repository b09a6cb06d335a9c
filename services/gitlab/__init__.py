"""gitlab: GitLab as a provider. Merge request and push webhooks become domain events at its door
(`WEBHOOKS`, `POST /webhooks/gitlab`); preview status changes become one note per app on the merge request.

Added as one service (docs/decisions/0012-gitlab-as-one-service.md): the environment manager, the apps
directory and the runtime serve GitLab's apps through the provider-neutral events and `ports.code_hosts`."""

from __future__ import annotations

from events import EndpointsChanged, EnvironmentStatusChanged, EnvironmentStopped
from ports import ServiceDefinition
from services.gitlab.ingress import WEBHOOKS, admit_webhook, ingest_webhook, parse_body
from services.gitlab.notes import marker, on_endpoints_changed, on_status_changed, on_stopped, render_note
from services.gitlab.translate import IGNORED_KINDS, PROVIDER, WebhookRejectedError, translate

SERVICE = ServiceDefinition(
    name="gitlab",
    handlers={
        EnvironmentStatusChanged: on_status_changed,
        EnvironmentStopped: on_stopped,
        EndpointsChanged: on_endpoints_changed,
    },
    edges={WEBHOOKS.name: WEBHOOKS},
)

__all__ = [
    "IGNORED_KINDS",
    "PROVIDER",
    "SERVICE",
    "WEBHOOKS",
    "WebhookRejectedError",
    "admit_webhook",
    "ingest_webhook",
    "marker",
    "parse_body",
    "render_note",
    "translate",
]
