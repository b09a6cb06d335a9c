"""What the HTTP surface needs from a running wing.cloud, whatever stores it: `Backend`.

The routes in `api`, `api_secrets` and `doors` find it at `request.app.state.system`. The local server's
`System` and the ingress Lambda's `AwsBackend` implement it; nothing else of either leaks into the routes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from adapters.http.reports import ReportTokens
from bus.routing import Router
from events import Event
from ports import Arrival, CloneAccess, Environments, Ports, ServiceDefinition

R = TypeVar("R")


class Backend(Protocol):
    """A running wing.cloud as its HTTP surface sees it."""

    router: Router
    services: tuple[ServiceDefinition, ...]
    tokens: ReportTokens

    @property
    def ports(self) -> Ports:
        """Ports for the API's reads (apps, environments, secrets listing, logs)."""
        ...

    @property
    def webhook_secret(self) -> str:
        """GitHub's webhook secret (HMAC-SHA256 of every delivery)."""
        ...

    @property
    def gitlab_webhook_token(self) -> str:
        """The secret token GitLab's webhooks send in X-Gitlab-Token."""
        ...

    @property
    def max_webhook_bytes(self) -> int: ...

    @property
    def described(self) -> dict[str, str]:
        """Each outside system and what answers for it (a URL, or "embedded")."""
        ...

    def command(
        self, service: str, work: Callable[[Ports], tuple[R, Sequence[Event]]], *, correlation_id: str | None = None
    ) -> R:
        """An API command and its events, committed together (call from a worker thread)."""
        ...

    def admit(self, arrival: Arrival) -> None:
        """Check an arrival at its door; raises the edge's rejection (answered 400)."""
        ...

    async def store(self, arrival: Arrival) -> bool:
        """Keep an admitted arrival durably before the door answers; False when it is a duplicate. Raises
        `ApiError` (503) when it cannot be kept now."""
        ...

    def current_environments(self) -> Environments:
        """What the report and log doors judge "still current" against."""
        ...

    def clone_access(self, environment_id: str) -> CloneAccess | None:
        """A fresh way for the environment's deployment to clone its app (`adapters.http.clone_access`); None
        when the environment or its app is gone (call from a worker thread: it may ask the code host)."""
        ...

    def dead_letters(self) -> list[dict[str, Any]]:
        """Deliveries that failed for good, as `api_models.DeadLetterView` fields."""
        ...

    def redrive(self, letter_id: str) -> None:
        """Deliver a dead letter again (raises `bus.errors.RedriveError`)."""
        ...

    def trace(self, correlation_id: str) -> dict[str, Any] | None:
        """The causal tree and delivery records of one request (`api_models.TraceView` fields), or None."""
        ...

    def timeline(self, after: int, limit: int) -> list[dict[str, Any]]:
        """Archived events after a sequence number (`api_models.TimelineEntry` fields)."""
        ...


class NotKeptError(LookupError):
    """What this backend does not keep (the AWS stack keeps no event timeline or trace); answered 501."""
