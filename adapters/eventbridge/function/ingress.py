"""The ingress Lambda: `adapters.eventbridge.function.ingress.handler`, behind the stack's HTTP API.

One ASGI app, the same routes and code as `wingcloud serve` (`adapters.http`): `POST /webhooks/github`,
`POST /webhooks/gitlab`, `POST|GET /runtime/reports`, `POST /runtime/logs`, `POST /runtime/clone-access` and the
REST API under `/api`, adapted to API Gateway's payload format 2.0 by Mangum. Behind it, `AwsBackend`: the API's
commands and the doors' arrivals run in this function through the kernel with the consumer of the service they
belong to (its own grants, its ledger namespace, its PutEvents source), so an arrival is answered 2xx only once
its events are on the bus.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.eventbridge.function.consumer import RELAY_AFTER, Consumer
from adapters.eventbridge.function.credentials import IngressCredentials, IngressSecret
from adapters.eventbridge.function.dead_letters import SqsDeadLetters
from adapters.eventbridge.function.routes import HOSTED_SERVICES, MAX_BODY_BYTES
from adapters.eventbridge.function.wiring import AwsClients, LambdaSettings, Outside
from adapters.http.backend import NotKeptError
from adapters.http.reports import ReportTokens
from bus.routing import Router
from events import Event
from ports import Arrival, CloneAccess, Environments, Ports, ServiceDefinition, Settings

if TYPE_CHECKING:
    from starlette.types import ASGIApp

R = TypeVar("R")
NOT_KEPT = (
    "the AWS stack keeps no event timeline or trace: EventBridge's archive holds every event (replay a time "
    "range from it), and each function's log in CloudWatch Logs holds every delivery with its correlation id"
)


class IngressSettings(BaseSettings):
    """The ingress function's environment (names as in the template: `WINGCLOUD_*`)."""

    model_config = SettingsConfigDict(env_prefix="WINGCLOUD_", extra="ignore")

    event_bus_name: str
    grants: str  # JSON: {service: {store: "write" | "read"}} for each hosted service
    stores: str  # JSON: {store: resource name}
    dead_letter_queues: str = "{}"  # JSON: {service: [queue url, dead-letter queue url]}
    ingress_secret: str | None = None
    outside_credentials_secret: str | None = None
    max_webhook_bytes: int = MAX_BODY_BYTES
    console_url: str = Settings.console_url
    dns_zone: str = Settings.dns_zone
    runtime_image: str = Settings.runtime_image
    stale_preview_seconds: int = Settings.stale_preview_seconds

    def service_settings(self, service: str) -> LambdaSettings:
        """What the service's own function would read: its granted stores only, read-only where so granted."""
        grants: dict[str, str] = json.loads(self.grants).get(service, {})
        stores: dict[str, str] = json.loads(self.stores)
        fields: dict[str, object] = {f"{_FIELD[name]}": stores[name] for name in grants if name in _FIELD}
        return LambdaSettings(
            service=service,
            event_bus_name=self.event_bus_name,
            read_only_stores=",".join(sorted(name for name, access in grants.items() if access == "read")),
            outside_credentials_secret=self.outside_credentials_secret,
            console_url=self.console_url,
            dns_zone=self.dns_zone,
            runtime_image=self.runtime_image,
            stale_preview_seconds=self.stale_preview_seconds,
            **fields,  # type: ignore[arg-type]
        )


# store name -> LambdaSettings field
_FIELD = {
    "apps": "apps_table",
    "environments": "environments_table",
    "ledger": "ledger_table",
    "kv": "kv_table",
    "secrets": "secrets_table",
    "feed": "feed_table",
    "usage": "usage_table",
    "logs": "logs_bucket",
    "keys": "kms_key_id",
}


class AwsBackend:
    """`adapters.http.backend.Backend` on AWS: one consumer per hosted service, built as its function would be."""

    def __init__(
        self,
        consumers: Mapping[str, Consumer],
        credentials: Callable[[], IngressCredentials],
        dead_letters: SqsDeadLetters,
        *,
        max_webhook_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.consumers = dict(consumers)
        self._credentials = credentials
        self._dead_letters = dead_letters
        self._max_webhook_bytes = max_webhook_bytes
        any_consumer = next(iter(self.consumers.values()))
        self.router: Router = any_consumer.router
        self.services: tuple[ServiceDefinition, ...] = tuple(c.definition for c in self.consumers.values())
        self.tokens = ReportTokens(lambda: self._credentials().report_key)
        self._doors = {door: c for c in self.consumers.values() for door in c.definition.edges}
        own = {name: c.ports for name, c in self.consumers.items()}
        # The API's reads: each port from the service that owns (or reads) it.
        self._ports = replace(
            own["apps"],
            environments=own["api"].environments,
            secrets=own["secrets"].secrets,
            keys=own["secrets"].keys,
            secret_reader=own["secrets"].secret_reader,
            log_index=own["logs"].log_index,
            blobs=own["logs"].blobs,
            usage=own["api"].usage,
        )

    @property
    def ports(self) -> Ports:
        return self._ports

    @property
    def webhook_secret(self) -> str:
        return self._credentials().webhook_secret

    @property
    def gitlab_webhook_token(self) -> str:
        return self._credentials().gitlab_webhook_token

    @property
    def api_token(self) -> str:
        return self._credentials().api_token

    @property
    def max_webhook_bytes(self) -> int:
        return self._max_webhook_bytes

    @property
    def described(self) -> dict[str, str]:
        return {name: "the outside-credentials secret" for name in ("github", "gitlab", "flyio", "dns")}

    def command(
        self, service: str, work: Callable[[Ports], tuple[R, Sequence[Event]]], *, correlation_id: str | None = None
    ) -> R:
        consumer = self.consumers[service]
        return consumer.command(work, correlation_id or consumer.ports.ids.new("req"))

    def admit(self, arrival: Arrival) -> None:
        self._doors[arrival.door].definition.edges[arrival.door].admit(arrival)

    async def store(self, arrival: Arrival) -> bool:
        """Delivered now, through the kernel, by the consumer of the door's service: True once its events are
        on the bus, False for a door id already handled (GitHub's redelivery), an error otherwise."""
        from starlette.concurrency import run_in_threadpool

        delivered = await run_in_threadpool(self._doors[arrival.door].arrive, arrival)
        return not delivered.duplicate

    def current_environments(self) -> Environments:
        return self._ports.environments

    def clone_access(self, environment_id: str) -> CloneAccess | None:
        from adapters.http.clone_access import find_clone_access  # the HTTP layer loads on the first request

        return find_clone_access(self._ports, environment_id)

    def dead_letters(self) -> list[dict[str, Any]]:
        return self._dead_letters.listed()

    def redrive(self, letter_id: str) -> None:
        self._dead_letters.redrive(letter_id)

    def relay(self, older_than: float = RELAY_AFTER) -> int:
        """Publish the events of commands and arrivals stranded between their commit and PutEvents."""
        return sum(len(consumer.relay_stranded(older_than)) for consumer in self.consumers.values())

    def trace(self, correlation_id: str) -> dict[str, Any] | None:
        raise NotKeptError(NOT_KEPT)

    def timeline(self, after: int, limit: int) -> list[dict[str, Any]]:
        raise NotKeptError(NOT_KEPT)


def build_backend(
    settings: IngressSettings, clients: AwsClients | None = None, outside: Outside | None = None
) -> AwsBackend:
    """Every hosted service's consumer, the ingress secret and the dead-letter queues, from the settings."""
    from adapters.eventbridge.function.entry import build_consumer

    clients = clients or AwsClients(endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
    consumers = {s: build_consumer(settings.service_settings(s), clients, outside) for s in HOSTED_SERVICES}
    queues = {service: (pair[0], pair[1]) for service, pair in json.loads(settings.dead_letter_queues).items()}
    secret = IngressSecret(clients("secretsmanager"), settings.ingress_secret)
    return AwsBackend(
        consumers, secret, SqsDeadLetters(clients("sqs"), queues), max_webhook_bytes=settings.max_webhook_bytes
    )


def asgi_app(backend: AwsBackend) -> ASGIApp:
    """The HTTP surface of `wingcloud serve` minus what only a local process has (console, live stream, the
    endpoint proxy): the API router with its error mapping and bearer check, and the doors."""
    from fastapi import FastAPI
    from starlette.exceptions import HTTPException
    from starlette.routing import Route

    from adapters.http import api
    from adapters.http.api_common import ApiAuth, SecurityHeaders, install_error_handlers
    from adapters.http.clone_access import runtime_clone_access
    from adapters.http.doors import GitHubWebhooks, gitlab_webhook, runtime_current, runtime_logs, runtime_report
    from adapters.http.errors import http_error, server_error

    app = FastAPI(
        title="wing.cloud API",
        description="Apps, environments, secrets and logs of a wing.cloud on AWS. Every route wants "
        "`Authorization: Bearer <API token>` (the ingress secret's api_token).",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    install_error_handlers(app)
    app.include_router(api.router)
    app.router.routes.extend(
        [
            Route("/webhooks/gitlab", gitlab_webhook, methods=["POST"]),
            Route("/runtime/reports", runtime_report, methods=["POST"]),
            Route("/runtime/reports", runtime_current, methods=["GET"]),
            Route("/runtime/logs", runtime_logs, methods=["POST"]),
            Route("/runtime/clone-access", runtime_clone_access, methods=["POST"]),
        ]
    )
    app.state.system = backend
    return SecurityHeaders(GitHubWebhooks(backend, ApiAuth(app, lambda: backend.api_token)))


def handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """API Gateway (HTTP API, payload format 2.0) calls this with one request; the relay schedule with a
    scheduled event."""
    try:
        if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
            return {"relayed": backend().relay()}
        answer: dict[str, Any] = lambda_adapter()(event, context)
        return answer
    finally:
        for consumer in backend().consumers.values():
            if consumer.telemetry is not None:
                consumer.telemetry.flush()


@functools.cache
def backend() -> AwsBackend:
    """This container's backend, built on first use."""
    return build_backend(IngressSettings())


@functools.cache
def lambda_adapter() -> Callable[[Any, Any], dict[str, Any]]:
    """This container's app behind Mangum, built on the first request."""
    return behind_mangum(backend())


def behind_mangum(backend: AwsBackend) -> Callable[[Any, Any], dict[str, Any]]:
    """The Lambda handler of a backend's app: API Gateway events in, API Gateway answers out."""
    from mangum import Mangum

    return Mangum(asgi_app(backend), lifespan="off")  # type: ignore[arg-type]
