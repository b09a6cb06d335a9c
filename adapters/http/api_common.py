"""What every /api route shares: the bearer check (before anything else is read) and the mapping of domain
errors and validation errors to `{"error", "detail", "problems"}` answers."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.http.backend import NotKeptError
from adapters.http.errors import error_response, note_refusal
from bus.errors import RedriveError
from services.api import RedeployRefusedError, StopRefusedError, UnknownEnvironmentError
from services.apps.validation import InvalidAppError, UnknownAppError
from services.secrets.api import InvalidSecretError

PUBLIC = frozenset({"/api/openapi.json"})
# What every answer carries, JSON or page: no MIME sniffing, no framing (old browsers read X-Frame-Options, new
# ones the console page's CSP `frame-ancestors`), no Referer leaving with a click on an endpoint link.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every HTTP answer that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                added = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self._app(scope, receive, send_secured)


# pydantic error types -> what the field must be, for the `expected` of a problem
_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "string_type": "a string",
    "bool_type": "a boolean",
    "greater_than_equal": "a larger number",
    "less_than_equal": "a smaller number",
    "extra_forbidden": "no such field (a typo?)",
    "model_attributes_type": "a JSON object",
    "dict_type": "a JSON object",
}


MAX_API_BODY = 1024 * 1024  # the largest API body is a secret value or an app: far below this


async def _read_bounded(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None as soon as it exceeds `limit` bytes (chunked bodies declare none)."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the client's disconnect, as the app expects

    return replay


class ApiAuth:
    """Answers 401 for any /api request without the API token, before a route reads its body.

    It also reads every /api body as JSON whatever its Content-Type says: the API takes nothing else, and
    `curl -d '{...}'` sends JSON labelled as a form.
    """

    def __init__(self, app: ASGIApp, token: str | Callable[[], str]) -> None:
        """`token`: the API token, or how to read it when a request needs it (the ingress Lambda's secret)."""
        self._app, self._token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/api/") and path not in PUBLIC and not self._valid(scope):
            note_refusal(scope, "unauthorized: missing or wrong API token")
            response = error_response(401, "missing or wrong API token: send `Authorization: Bearer <token>`")
            await response(scope, receive, send)
            return
        if scope["type"] == "http" and path.startswith("/api/"):
            declared = dict(scope["headers"]).get(b"content-length", b"")
            if declared.isdigit() and int(declared) > MAX_API_BODY:
                await self._too_large(scope, receive, send)
                return
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
            scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
            if scope["method"] in ("POST", "PUT", "PATCH"):
                body = await _read_bounded(receive, MAX_API_BODY)
                if body is None:
                    await self._too_large(scope, receive, send)
                    return
                receive = _replay(body, receive)
            await self._app(scope, receive, send)
            return
        await self._app(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        note_refusal(scope, f"payload_too_large: the body exceeds {MAX_API_BODY} bytes")
        response = error_response(413, f"the body exceeds the API's {MAX_API_BODY}-byte limit")
        await response(scope, receive, send)

    def _valid(self, scope: Scope) -> bool:
        header = dict(scope["headers"]).get(b"authorization", b"")
        token = header[7:].strip() if header[:7].lower() == b"bearer " else b""
        expected = self._token if isinstance(self._token, str) else self._token()
        return bool(token) and hmac.compare_digest(token, expected.encode())


def problems_of(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Every invalid field of a request: where, what is wrong, what it must be."""
    found = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        kind = str(error.get("type", ""))
        expected = _EXPECTED.get(kind)
        if kind == "missing":
            expected = "required"
        elif kind in ("greater_than_equal", "less_than_equal") and error.get("ctx"):
            bound = next(iter(error["ctx"].values()))
            expected = f"{'at least' if kind == 'greater_than_equal' else 'at most'} {bound}"
        found.append({"field": ".".join(location), "message": str(error.get("msg", "")), "expected": expected})
    return found


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        reason = next(
            str(e.get("ctx", {}).get("error", e.get("msg"))) for e in errors if e.get("type") == "json_invalid"
        )
        return error_response(400, f"body is not JSON: {reason}", "malformed_json")
    problems = problems_of(errors)
    listed = "; ".join(f"{p['field']}: {p['expected'] or p['message']}" for p in problems)
    return _with_problems(422, f"{len(problems)} invalid field(s): {listed}", "invalid", problems)


def _with_problems(status: int, detail: str, code: str, problems: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail, "problems": problems}, status_code=status)


async def domain_error(request: Request, exc: Exception) -> Response:
    """The services' refusals as HTTP answers."""
    if isinstance(exc, UnknownAppError | UnknownEnvironmentError):
        return error_response(404, str(exc))
    if isinstance(exc, InvalidAppError):
        problem = {"field": f"body.{exc.field}", "message": exc.reason, "expected": None}
        return _with_problems(422, str(exc), "invalid", [problem])
    if isinstance(exc, InvalidSecretError):
        return error_response(422, str(exc))
    if isinstance(exc, RedeployRefusedError):
        return error_response(409, str(exc), "redeploy_refused")
    if isinstance(exc, StopRefusedError):
        return error_response(409, str(exc), "stop_refused")
    if isinstance(exc, NotKeptError):
        return error_response(501, str(exc), "not_kept")
    assert isinstance(exc, RedriveError)
    return error_response(404 if "no dead letter" in str(exc) else 409, str(exc))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    for error in (
        UnknownAppError,
        UnknownEnvironmentError,
        InvalidAppError,
        InvalidSecretError,
        RedeployRefusedError,
        StopRefusedError,
        RedriveError,
        NotKeptError,
    ):
        app.add_exception_handler(error, domain_error)
