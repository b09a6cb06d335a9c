"""The REST API's JSON shapes as pydantic models: request bodies (strict: a string is not an integer) and
responses. FastAPI validates requests against them and writes the OpenAPI document from them, so the
document and the behaviour cannot disagree."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from ports.codec import to_data
from ports.values import App, Environment

# What the API leaves out of a stored value, and why: everything else is shown as the codec stores it.
LEFT_OUT: dict[type, frozenset[str]] = {
    App: frozenset(),
    Environment: frozenset(
        {
            "deployed_sha",  # the environment manager's idempotency bookkeeping; `sha` is what runs
            "fly_app_name",  # the runtime's name for it at fly.io; the API speaks of environments
        }
    ),
}


def shown(value: App | Environment) -> dict[str, Any]:
    """A stored value as the API shows it: the one codec's data, minus what `LEFT_OUT` says."""
    return {k: v for k, v in to_data(value).items() if k not in LEFT_OUT[type(value)]}


class _Body(BaseModel):
    """A request body: unknown fields are an error (a typo must not be silently dropped)."""

    model_config = ConfigDict(extra="forbid")


class NewApp(_Body):
    """An app bound to a repository (on GitHub unless `provider` says otherwise); its production environment
    deploys the default branch."""

    name: StrictStr = Field(description="Unique per owner: letters, digits, '.', '_', '-'", examples=["hello"])
    repository: StrictStr = Field(description="owner/repo at the provider", examples=["acme/hello-wing"])
    provider: StrictStr = Field("github", description="The code host of the repository", examples=["github"])
    default_branch: StrictStr = Field(description="The branch production deploys", examples=["main"])
    entrypoint: StrictStr = Field("main.w", description="The Wing file to run, relative to the repository root")
    installation_id: StrictInt = Field(
        ge=1,
        le=2**63 - 1,
        description="The GitHub App installation that can read the repository (any positive number with the "
        "embedded GitHub)",
        examples=[1],
    )
    owner: StrictStr | None = Field(None, description="Who owns the app (default: the local user)")


class EntrypointChange(_Body):
    entrypoint: StrictStr = Field(examples=["src/main.w"])


class NewSecret(_Body):
    environment_type: StrictStr = Field(description="production or preview", examples=["preview"])
    name: StrictStr = Field(description="UPPER_SNAKE_CASE", examples=["SLACK_WEBHOOK_URL"])
    value: StrictStr = Field(description="Stored encrypted; never returned")


class SecretRef(_Body):
    environment_type: StrictStr
    name: StrictStr


class AppView(BaseModel):
    id: str
    name: str
    owner: str
    repository: str
    default_branch: str
    entrypoint: str
    installation_id: int
    created_at: str
    last_commit_sha: str | None
    provider: str

    last_commit_message: str | None

    @classmethod
    def of(cls, app: App) -> AppView:
        return cls.model_validate(shown(app))


class DeletedApp(AppView):
    deleted: bool = True


class EndpointView(BaseModel):
    label: str
    url: str


class TestResultView(BaseModel):
    __test__ = False  # not a pytest test class

    path: str
    passed: bool
    error: str | None


class EnvironmentView(BaseModel):
    id: str
    app_id: str
    provider: str
    type: str
    repository: str
    branch: str
    sha: str
    status: str
    deployment_id: str | None
    url: str | None = Field(description="The first endpoint's URL, if any")
    endpoints: list[EndpointView]
    pr_number: int | None
    title: str | None
    test_results: list[TestResultView]
    error_message: str | None
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, env: Environment) -> EnvironmentView:
        return cls.model_validate({**shown(env), "url": env.endpoints[0].url if env.endpoints else None})


class RedeployAccepted(BaseModel):
    environment_id: str
    redeploy: str = "requested"


class LogsView(BaseModel):
    environment_id: str
    logs: str


class SecretListed(BaseModel):
    name: str
    environment_type: str
    value: str = Field(description="Always masked")
    updated_at: str


class SecretCreatedView(BaseModel):
    app_id: str
    environment_type: str
    name: str


class SecretDeletedView(SecretCreatedView):
    deleted: bool = True


class DeadLetterView(BaseModel):
    id: str
    target: str | None
    service: str | None
    event_id: str | None
    detail_type: str | None
    error_code: str
    error_message: str
    exhausted_condition: str | None
    attempts: int
    retry_attempts: int
    at: str
    correlation_id: str


class Redriven(BaseModel):
    id: str
    redriven: bool = True


class TimelineEntry(BaseModel):
    seq: int
    id: str
    detail_type: str
    source: str
    correlation_id: str
    causation_id: str | None
    time: str
    detail: dict[str, Any]


class TraceNodeView(TimelineEntry):
    children: list[TraceNodeView]


class TraceRecordView(BaseModel):
    seq: int
    at: str
    kind: str
    event_id: str
    detail_type: str
    source_service: str
    target_service: str | None
    target: str | None = Field(description="The rule (`<service>--<message>`) or the door (`<service>--<door>`)")
    attempt: int
    error: str | None
    duration_ms: float | None = Field(None, description="How long a delivered or failed attempt took")


class TraceView(BaseModel):
    correlation_id: str
    tree: list[TraceNodeView]
    records: list[TraceRecordView]


class ServiceView(BaseModel):
    name: str
    receives: list[str]
    handlers: int


class ServicesView(BaseModel):
    services: list[ServiceView]
    outside: dict[str, str]


class Problem(BaseModel):
    field: str = Field(description="Where in the request: `body.installation_id`, `query.limit`, ...")
    message: str
    expected: str | None = Field(None, description="The type or form the field must have")


class ErrorView(BaseModel):
    """Every error the API answers: a short machine-readable code and a sentence for people."""

    error: str
    detail: str
    problems: list[Problem] | None = Field(None, description="Every invalid field of the request (422)")


class StopAccepted(BaseModel):
    """A stop was requested: the environment manager stops the environment (reason `manual`)."""

    environment_id: str
    stop: str = "requested"
