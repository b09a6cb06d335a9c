"""The console's ways to poke the system, under /api/console: publish any message of the spec (validated
against it first, each problem named by its field), send a sample GitHub webhook signed by this server through
its own webhook door, play a runtime report through the report door, and reset the data dir."""

from __future__ import annotations

import functools
import secrets
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import JSONResponse

import events
from adapters.github.samples import UnknownSampleError, sample_delivery
from adapters.http.api_models import ErrorView
from adapters.http.doors import accept_webhook
from adapters.http.errors import ApiError
from adapters.http.reports import Verdict, verdict
from adapters.local.console_models import (
    MessageView,
    PlayReport,
    Publish,
    Published,
    ReportPlayed,
    Reset,
    ResetDone,
    SampleWebhook,
    WebhookSent,
)
from adapters.local.console_reset import reset
from adapters.local.system import System
from events.models import Endpoint
from ports import RuntimeReport
from services.api import UnknownEnvironmentError
from services.runtime import InvalidReportError
from spec.contract import Contract, resolve_pointer
from spec.payloads import PayloadValidator

ACTIONS = APIRouter(prefix="/console", tags=["console"])
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorView, "description": "Invalid fields, each named with what is wrong"}
}
# What the bus fills on publish; the spec requires it, so a detail is checked with it in place.
_METADATA = {"event_id": "x", "correlation_id": "x", "causation_id": None, "occurred_at": "2026-01-01T00:00:00Z"}


def _system(request: Request) -> System:
    system: System = request.app.state.system
    return system


SystemDep = Annotated[System, Depends(_system)]


def invalid(problems: list[tuple[str, str]]) -> JSONResponse:
    """A 422 in the API's shape, one problem per field."""
    listed = "; ".join(f"{field}: {message}" for field, message in problems)
    body = {
        "error": "invalid",
        "detail": f"{len(problems)} invalid field(s): {listed}",
        "problems": [{"field": field, "message": message, "expected": None} for field, message in problems],
    }
    return JSONResponse(body, status_code=422)


@functools.cache
def _validator() -> PayloadValidator:
    return PayloadValidator.from_bundle(Path(events.__file__).with_name("schemas.json"))


def _fields(contract: Contract, schema_name: str) -> dict[str, str]:
    schema = contract.schema_components().get(schema_name, {})
    found = {}
    for name, prop in (schema.get("properties") or {}).items():
        if name == "metadata":
            continue
        target = resolve_pointer(contract.document, prop["$ref"]) if "$ref" in prop else prop
        kind = target.get("type") or ("one of " + ", ".join(map(str, target["enum"])) if "enum" in target else "")
        found[name] = str(prop.get("description") or target.get("description") or kind)
    return found


@ACTIONS.get("/messages", response_model=list[MessageView])
def messages_route(system: SystemDep) -> list[MessageView]:
    """Every message of the spec: who sends and receives it, its fields, and its example to start from."""
    contract = system.router.contract
    return [
        MessageView(
            name=m.name,
            summary=m.summary,
            description=m.description,
            senders=list(m.senders),
            receivers=list(m.receivers),
            example={k: v for k, v in (m.examples[0]["payload"] if m.examples else {}).items() if k != "metadata"},
            fields=_fields(contract, m.schema_name),
        )
        for m in sorted(contract.messages.values(), key=lambda m: m.name)
    ]


@ACTIONS.post("/publish", status_code=202, response_model=Published, responses=_INVALID)
def publish_route(body: Publish, system: SystemDep) -> Any:
    """Publish one event as its sender would: checked against the spec first (every invalid field is named),
    then sealed and delivered like any other. It starts a correlation of its own."""
    contract = system.router.contract
    message = contract.messages.get(body.detail_type)
    if message is None:
        return invalid([("body.detail_type", f"no message {body.detail_type!r} in the spec")])
    if not message.senders:
        return invalid([("body.detail_type", f"{message.name} comes from outside: no service sends it")])
    sender = body.sender or message.senders[0]
    if sender not in message.senders:
        return invalid([("body.sender", f"{sender!r} does not send {message.name}; {', '.join(message.senders)} do")])
    problems = (
        [("detail.metadata", "filled by the bus when it publishes: leave it out")] if "metadata" in body.detail else []
    )
    detail = {k: v for k, v in body.detail.items() if k != "metadata"}
    found = _validator().problems(message.name, {**detail, "metadata": _METADATA})
    problems += [(path, reason) for path, reason in found if not path.startswith("detail.metadata")]
    if problems:
        return invalid(problems)
    try:
        event = events.REGISTRY[message.name].model_validate(detail)
    except ValidationError as error:
        return invalid([(".".join(["detail", *map(str, e["loc"])]), e["msg"]) for e in error.errors()])
    correlation_id = f"console_{uuid.uuid4().hex[:16]}"
    system.command(sender, lambda ports: (None, [event]), correlation_id=correlation_id)
    row = system.db.connection().execute("SELECT id FROM events WHERE correlation_id = ?", (correlation_id,)).fetchone()
    return Published(event_id=row[0], detail_type=message.name, sender=sender, correlation_id=correlation_id)


@ACTIONS.post("/webhooks", response_model=WebhookSent, responses=_INVALID)
async def webhook_route(body: SampleWebhook, request: Request) -> Any:
    """Send a recorded GitHub delivery (repository, branch, commit and number set) signed with this server's
    webhook secret through its own webhook door; answers what the door answered."""
    system: System = request.app.state.system
    try:
        delivery = sample_delivery(
            body.kind,
            repository=body.repository,
            branch=body.branch,
            sha=body.sha or secrets.token_hex(20),
            number=body.number,
            base=body.base,
            installation_id=body.installation_id,
            merged=body.merged,
            delivery_id=f"console-{uuid.uuid4()}",
        )
    except UnknownSampleError as error:
        return invalid([("body.kind", str(error))])
    headers = {k.lower().encode(): v.encode() for k, v in delivery.headers(system.credentials.webhook_secret).items()}
    try:
        status, answer = await accept_webhook(system, headers, delivery.body)
    except ApiError as error:
        status, answer = error.status_code, {"error": error.error, "detail": error.detail}
    return WebhookSent(delivery_id=delivery.delivery_id, event=delivery.event, status=status, answer=answer)


@ACTIONS.post(
    "/reports",
    status_code=202,
    response_model=ReportPlayed,
    responses={**_INVALID, 404: {"model": ErrorView}, 409: {"model": ErrorView, "description": "No deployment yet"}},
)
def report_route(body: PlayReport, system: SystemDep) -> Any:
    """Play a runtime report for an environment (its current deployment unless named) through the report door,
    as the runtime agent would send it."""
    env = system.ports.environments.get(body.environment_id)
    if env is None:
        raise UnknownEnvironmentError(body.environment_id)
    deployment_id = body.deployment_id or env.deployment_id
    if deployment_id is None:
        raise ApiError(409, f"environment {env.id} has no deployment yet", "no_deployment")
    try:
        endpoints = tuple(Endpoint(**e) for e in body.endpoints)
    except (ValidationError, TypeError) as error:
        return invalid([("body.endpoints", str(error).splitlines()[0])])
    report = RuntimeReport(env.id, deployment_id, body.status, endpoints=endpoints, error_message=body.error_message)
    report_id = f"console_{uuid.uuid4().hex[:16]}"
    try:
        system.report(report, report_id)
    except InvalidReportError as error:
        field = "body.status" if "status" in str(error) else "body"
        return invalid([(field, str(error))])
    stale = verdict(system.ports.environments, report) is Verdict.STALE
    return ReportPlayed(report_id=report_id, environment_id=env.id, deployment_id=deployment_id, stale=stale)


@ACTIONS.post("/reset", response_model=ResetDone, responses=_INVALID)
def reset_route(body: Reset, system: SystemDep) -> Any:
    """Forget everything this data dir holds except its credentials: apps, environments, secrets, events,
    deliveries, dead letters, traces, logs, the inbox, the embedded outside world and the call log. Every
    deployment still running is destroyed first. Asks for `{"confirm": "reset"}`."""
    if body.confirm != "reset":
        return invalid([("body.confirm", 'type "reset" to confirm: everything in the data dir goes')])
    removed, stopped = reset(system)
    return ResetDone(removed=removed, stopped=stopped)
