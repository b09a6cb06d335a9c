"""The JSON shapes of the console's routes (/api/console/...), for validation and the OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from adapters.http.api_models import DeadLetterView


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the map -------------------------------------------------------------------------------------------------


class MapNode(BaseModel):
    name: str
    description: str
    triggers: list[str]
    receives: list[str]
    sends: list[str]
    column: int
    x: int
    y: int


class MapLink(BaseModel):
    id: str = Field(description="`<sender>-><receiver>`")
    sender: str
    receiver: str
    messages: list[str]
    back: bool = Field(description="Against the flow of events (drawn from below)")
    points: list[list[int]] = Field(description="Where the arrow goes: its start, the gaps it passes, its end")


class Health(BaseModel):
    delivered: int = 0
    failed: int = Field(0, description="Failed delivery attempts (retried or dead-lettered)")
    dead_letters: int = Field(0, description="Dead letters waiting to be redriven")


class MapView(BaseModel):
    nodes: list[MapNode]
    links: list[MapLink]
    triggers: dict[str, str] = Field(description="Outside triggers and what each is")
    width: int
    height: int
    node_width: int
    node_height: int
    counts: dict[str, int] = Field(description="Events published per `<sender>|<detail-type>`")
    door_counts: dict[str, int] = Field(
        description="Arrivals delivered per `<trigger>|<service>`, for each door (webhooks, reports, logs)"
    )
    health: dict[str, Health]
    outside: dict[str, str] = Field(description="What answers for GitHub, the runtime and DNS")


# --- a service -----------------------------------------------------------------------------------------------


class Flow(BaseModel):
    message: str
    summary: str
    services: list[str] = Field(description="Who sends it to this service, or whom this service sends it to")
    count: int = Field(description="Events of it published (by this service, for what it sends)")


class Step(BaseModel):
    """One trace record."""

    seq: int
    at: str
    kind: str
    event_id: str
    detail_type: str
    source_service: str
    target_service: str | None
    target: str | None
    correlation_id: str
    causation_id: str | None
    attempt: int
    error: str | None
    duration_ms: float | None


class OutsideCall(BaseModel):
    seq: int
    at: str
    port: Literal["github", "flyio", "dns"]
    method: str
    args: dict[str, Any]
    result: Any = Field(description="What the call answered (tokens redacted); null when it failed")
    error: str | None
    duration_ms: float
    service: str | None = Field(description="The service that made the call (null: the server itself)")
    target: str | None
    correlation_id: str | None
    backend: str = Field(description="What answered: `embedded`, a URL, or the runtime in use")


class ServiceDetail(BaseModel):
    name: str
    description: str
    triggers: list[str]
    ports: list[str]
    owns: list[str]
    receives: list[Flow]
    sends: list[Flow]
    health: Health
    deliveries: list[Step] = Field(description="Its most recent delivery attempts, newest first")
    dead_letters: list[DeadLetterView]
    calls: list[OutsideCall] = Field(description="Its most recent calls to the outside world, newest first")


# --- timeline and traces -------------------------------------------------------------------------------------


class AppRef(BaseModel):
    id: str
    name: str


class EnvironmentRef(BaseModel):
    id: str
    type: str
    branch: str
    status: str


class ConsoleEvent(BaseModel):
    """A timeline entry with what it concerns."""

    seq: int
    id: str
    detail_type: str
    source: str
    service: str = Field(description="The sender")
    correlation_id: str
    causation_id: str | None
    time: str
    detail: dict[str, Any]
    app: AppRef | None
    environment: EnvironmentRef | None
    pr_number: int | None
    repository: str | None


class WaterfallRow(BaseModel):
    id: int = Field(description="The trace record of the attempt")
    event_id: str = Field(description="The event, or the arrival's key (`webhook:<delivery id>`)")
    detail_type: str
    source_service: str
    service: str = Field(description="The service that handled it")
    target: str | None
    attempt: int
    outcome: Literal["delivered", "failed", "dead-lettered", "rejected"]
    queued_at: str | None = Field(description="When it was published (or its previous attempt ended)")
    at: str = Field(description="When the attempt ended")
    duration_ms: float | None
    error: str | None
    parent: int | None = Field(description="The attempt whose handler published this event")
    depth: int


class Waterfall(BaseModel):
    correlation_id: str
    started_at: str | None
    ended_at: str | None
    rows: list[WaterfallRow]
    envelopes: dict[str, dict[str, Any]] = Field(description="Every event of the correlation, by id, as it travelled")


class ArrivalView(BaseModel):
    key: str
    door: str
    id: str
    name: str
    correlation_id: str
    received_at: str
    body: Any = Field(description="The body, parsed when it is JSON")


class OutsideView(BaseModel):
    backends: dict[str, str]
    calls: list[OutsideCall]


# --- interaction -------------------------------------------------------------------------------------------


class MessageView(BaseModel):
    name: str
    summary: str
    description: str
    senders: list[str]
    receivers: list[str]
    example: dict[str, Any] = Field(description="The spec's example detail, without the metadata the bus fills")
    fields: dict[str, str] = Field(description="Each field of the detail and what it is")


class Publish(_Body):
    detail_type: StrictStr = Field(examples=["EnvironmentRedeployRequested"])
    detail: dict[str, Any] = Field(description="The event's detail without `metadata` (the bus fills it)")
    sender: StrictStr | None = Field(
        None, description="Which of the message's senders publishes it (default: the first)"
    )


class Published(BaseModel):
    event_id: str
    detail_type: str
    sender: str
    correlation_id: str


class SampleWebhook(_Body):
    kind: StrictStr = Field(description="pull_request.opened|reopened|synchronize|closed, or push")
    repository: StrictStr = Field(examples=["acme/hello-wing"])
    branch: StrictStr = Field(description="The pull request's head, or the pushed branch")
    number: StrictInt = Field(1, ge=1, description="The pull request's number")
    sha: StrictStr | None = Field(None, description="The commit (default: a new random one)")
    base: StrictStr = Field("main", description="The pull request's base branch")
    merged: bool = Field(False, description="pull_request.closed: merged, not just closed")
    installation_id: StrictInt = Field(1, ge=1)


class WebhookSent(BaseModel):
    delivery_id: str = Field(description="X-GitHub-Delivery, also the correlation id of what it causes")
    event: str
    status: int = Field(description="What the webhook door answered")
    answer: dict[str, Any]


class PlayReport(_Body):
    environment_id: StrictStr
    status: StrictStr = Field(description="deploying, running-tests, running-server, tests-error, running or error")
    deployment_id: StrictStr | None = Field(None, description="Default: the environment's current deployment")
    error_message: StrictStr | None = None
    endpoints: list[dict[str, str]] = Field(default_factory=list, description="`{label, url}` of a running app")


class ReportPlayed(BaseModel):
    report_id: str
    environment_id: str
    deployment_id: str
    stale: bool = Field(description="Not the current deployment, or a stopped environment: recorded, not applied")


class Reset(_Body):
    confirm: StrictStr = Field(description='Must be "reset"')


class ResetDone(BaseModel):
    removed: dict[str, int] = Field(description="Rows removed per kind")
    stopped: list[str] = Field(description="The runtime apps destroyed")
