"""The doors from outside: GitHub and GitLab webhooks, and a deployment's status reports and log lines. Each
keeps what it takes (`Backend.store`: the local inbox, or EventBridge on AWS) before it answers."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.github.webhooks import SignatureError, verify_signature
from adapters.gitlab.webhooks import TokenError, verify_token
from adapters.http.backend import Backend
from adapters.http.errors import ApiError, internal_error, note_refusal
from adapters.http.reports import Verdict, report_arrival, verdict
from ports import Arrival, RuntimeReport
from services.github import WebhookRejectedError
from services.gitlab import WEBHOOKS as GITLAB_WEBHOOKS
from services.gitlab import WebhookRejectedError as GitLabWebhookRejectedError
from services.logs import InvalidLogsError, admit_logs
from services.runtime import InvalidReportError, read_report

log = logging.getLogger("wingcloud.webhooks")
PATH = "/webhooks/github"
GITLAB_PATH = "/webhooks/gitlab"
MAX_DELIVERY_ID = 100


class GitHubWebhooks:
    """`POST /webhooks/github`: 401 bad signature, 400 missing headers or bad JSON, 413 too big, 200 duplicate,
    202 stored.

    A plain ASGI app in front of the application rather than one of its routes: it is the one path that takes
    bursts (GitHub redelivers in bulk, monorepos push in bursts). Starlette's Request and JSONResponse cost
    about a tenth of the request here, and FastAPI's routing and middleware stack as much again (measured
    in-process: 185 us for an accepted webhook in front, 225 us as a route), so it answers its errors itself.
    """

    def __init__(self, system: Backend, app: ASGIApp) -> None:
        self._system, self._app = system, app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH:
            await self._app(scope, receive, send)
            return
        try:
            if scope["method"] != "POST":
                raise ApiError(405, f"{PATH} takes POST only, got {scope['method']}")
            headers = dict(scope["headers"])
            body = await read_body(receive, headers.get(b"content-length"), self._system.max_webhook_bytes)
            status, answer = await accept_webhook(self._system, headers, body)
        except ApiError as error:
            note_refusal(scope, f"{error.error}: {error.detail}")
            status, answer = error.status_code, {"error": error.error, "detail": error.detail}
        except Exception as error:  # nothing was stored: GitHub's redelivery (or the sender's retry) brings it back
            _, detail = internal_error(scope, error)
            status, answer = 500, {"error": "internal_error", "detail": f"the webhook was not stored: {detail}"}
        content = orjson.dumps(answer)
        length = str(len(content)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", length)],
            }
        )
        await send({"type": "http.response.body", "body": content})


async def read_body(receive: Receive, declared: bytes | None, limit: int) -> bytes:
    """The raw body, refusing (413) as soon as it is known to exceed `limit` bytes."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"body of {declared.decode()} bytes exceeds the {limit}-byte limit")
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ApiError(400, "the client disconnected before sending the whole body", "incomplete_body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"body exceeds the {limit}-byte limit")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def accept_webhook(system: Backend, headers: dict[bytes, bytes], body: bytes) -> tuple[int, dict[str, Any]]:
    """The door's decision on one webhook (lower-case header names): (status, answer), or ApiError. The
    console's sample webhooks go through here too."""
    signature = headers.get(b"x-hub-signature-256")
    try:
        verify_signature(system.webhook_secret, body, signature.decode("latin-1") if signature else None)
    except SignatureError as error:
        raise ApiError(401, str(error), "invalid_signature") from None
    event, delivery = (headers.get(b"x-github-event"), headers.get(b"x-github-delivery"))
    missing = [name for name, value in (("X-GitHub-Event", event), ("X-GitHub-Delivery", delivery)) if not value]
    if missing:
        raise ApiError(400, f"missing header(s): {', '.join(missing)}", "missing_header")
    assert event is not None and delivery is not None
    if len(delivery) > 100:
        raise ApiError(400, f"X-GitHub-Delivery is {len(delivery)} characters; at most 100", "invalid_header")
    delivery_id = delivery.decode("latin-1")
    arrival = Arrival("webhook", delivery_id, event.decode("latin-1"), body, delivery_id, datetime.now(UTC))
    try:
        system.admit(arrival)  # what can never become an event is refused now, not dead-lettered later
    except WebhookRejectedError as error:
        raise ApiError(400, str(error), error.code) from None
    stored = await _store(system, arrival)
    if not stored:
        return 200, {"delivery_id": delivery_id, "duplicate": True}
    return 202, {"delivery_id": delivery_id, "accepted": True}


async def gitlab_webhook(request: Request) -> JSONResponse:
    """`POST /webhooks/gitlab`: 401 without this wing.cloud's GitLab webhook token, 400 missing headers or a body
    that can never become an event, 413 too big, 200 duplicate, 202 stored.

    The delivery id is GitLab's `Idempotency-Key` (the same on every retry of one delivery), else its
    `X-Gitlab-Event-UUID`: a redelivery is answered 200 and changes nothing."""
    system: Backend = request.app.state.system
    headers = request.headers
    try:
        verify_token(system.gitlab_webhook_token, headers.get("x-gitlab-token"))
    except TokenError as error:
        raise ApiError(401, str(error), "invalid_token") from None
    limit = system.max_webhook_bytes
    body = await read_body(request.receive, dict(request.scope["headers"]).get(b"content-length"), limit)
    event = headers.get("x-gitlab-event")
    delivery = headers.get("idempotency-key") or headers.get("x-gitlab-event-uuid")
    wanted = (("X-Gitlab-Event", event), ("Idempotency-Key or X-Gitlab-Event-UUID", delivery))
    missing = [name for name, value in wanted if not value]
    if missing:
        raise ApiError(400, f"missing header(s): {', '.join(missing)}", "missing_header")
    assert event is not None and delivery is not None
    if len(delivery) > MAX_DELIVERY_ID:
        raise ApiError(
            400, f"the delivery id is {len(delivery)} characters; at most {MAX_DELIVERY_ID}", "invalid_header"
        )
    arrival = Arrival(GITLAB_WEBHOOKS.name, delivery, event, body, delivery, datetime.now(UTC))
    try:
        system.admit(arrival)  # what can never become an event is refused now, not dead-lettered later
    except GitLabWebhookRejectedError as error:
        raise ApiError(400, str(error), error.code) from None
    if not await _store(system, arrival):
        return JSONResponse({"delivery_id": delivery, "duplicate": True}, status_code=200)
    return JSONResponse({"delivery_id": delivery, "accepted": True}, status_code=202)


async def runtime_report(request: Request) -> JSONResponse:
    """401 without the deployment's token, 400 malformed, 409 stale (recorded, not applied), 202 stored."""
    system: Backend = request.app.state.system
    body = await read_body(request.receive, dict(request.scope["headers"]).get(b"content-length"), 1024 * 1024)
    try:
        report = read_report(body)
    except InvalidReportError as error:
        raise ApiError(400, str(error), "malformed_report") from None
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not system.tokens.valid(report.environment_id, report.deployment_id, token):
        raise ApiError(401, "the token is not the one issued for this environment and deployment", "invalid_token")
    report_id = request.headers.get("idempotency-key") or f"rep_{uuid.uuid4().hex}"
    arrival = report_arrival(report, report_id, body)
    try:
        system.admit(arrival)
    except InvalidReportError as error:
        raise ApiError(400, str(error), "invalid_report") from None
    judged = await run_in_threadpool(verdict, system.current_environments(), report)
    stored = await _store(system, arrival)
    if judged is Verdict.STALE:
        raise ApiError(
            409,
            f"deployment {report.deployment_id} is not the current deployment of {report.environment_id} "
            "(or the environment is stopped); the report is recorded, not applied",
            "stale_report",
        )
    return JSONResponse({"report_id": report_id, "accepted": stored}, status_code=202 if stored else 200)


async def runtime_current(request: Request) -> JSONResponse:
    """`GET /runtime/reports?environment_id=&deployment_id=`: is this deployment still the environment's current
    one? 200 yes, 409 no (its agent stops once its successor runs), 401 without its token. Nothing is stored:
    a running agent asks every half minute."""
    system: Backend = request.app.state.system
    environment_id = request.query_params.get("environment_id", "")
    deployment_id = request.query_params.get("deployment_id", "")
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not system.tokens.valid(environment_id, deployment_id, token):
        raise ApiError(401, "the token is not the one issued for this environment and deployment", "invalid_token")
    asked = RuntimeReport(environment_id, deployment_id, "running")
    if await run_in_threadpool(verdict, system.current_environments(), asked) is Verdict.STALE:
        raise ApiError(409, f"deployment {deployment_id} is not current", "stale_deployment")
    return JSONResponse({"environment_id": environment_id, "deployment_id": deployment_id, "current": True})


async def runtime_logs(request: Request) -> JSONResponse:
    """Log lines of a deployment: 401 without its token, 400 malformed, 409 when the deployment is no longer
    current (the agent stops), 202 stored."""
    system: Backend = request.app.state.system
    body = await read_body(request.receive, dict(request.scope["headers"]).get(b"content-length"), 4 * 1024 * 1024)
    received = Arrival("logs", "-", "lines", body, "-", datetime.now(UTC))
    try:
        batch = admit_logs(received)
    except InvalidLogsError as error:
        raise ApiError(400, str(error), "malformed_logs") from None
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not system.tokens.valid(batch.environment_id, batch.deployment_id, token):
        raise ApiError(401, "the token is not the one issued for this environment and deployment", "invalid_token")
    judged = await run_in_threadpool(verdict, system.current_environments(), batch)
    if judged is Verdict.STALE:
        raise ApiError(409, f"deployment {batch.deployment_id} is not current: its lines are not kept", "stale_logs")
    batch_id = request.headers.get("idempotency-key") or f"log_{uuid.uuid4().hex}"
    stored = await _store(system, replace(received, id=batch_id, correlation_id=batch.deployment_id))
    return JSONResponse({"batch_id": batch_id, "accepted": stored}, status_code=202 if stored else 200)


async def _store(system: Backend, arrival: Arrival) -> bool:
    return await system.store(arrival)
