"""Errors as JSON: `{"error": <code>, "detail": <message>}`, for every status the HTTP layer returns.

The reason of every refusal is also noted on the request's scope, so the request log can say why.
"""

from __future__ import annotations

import logging
import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

log = logging.getLogger("wingcloud.errors")
REFUSAL = "wingcloud.refusal"  # scope key: "<code>: <detail>" of the error answered

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid",
    500: "internal_error",
    501: "not_kept",
    503: "unavailable",
}


class ApiError(HTTPException):
    """Raise from a route: status, a short machine-readable code and a human detail."""

    def __init__(self, status_code: int, detail: str, error: str | None = None) -> None:
        super().__init__(status_code, detail)
        self.error = error or _CODES.get(status_code, "error")


def note_refusal(scope: Scope, reason: str) -> None:
    scope[REFUSAL] = reason


def error_response(status: int, detail: str, error: str | None = None) -> JSONResponse:
    return JSONResponse({"error": error or _CODES.get(status, "error"), "detail": detail}, status_code=status)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = getattr(exc, "error", None) or _CODES.get(exc.status_code, "error")
    note_refusal(request.scope, f"{code}: {exc.detail}")
    return error_response(exc.status_code, str(exc.detail), code)


def internal_error(scope: Scope, exc: BaseException) -> tuple[str, str]:
    """A reference for an unexpected error, logged with its traceback; the client gets the reference only
    (an exception's text can hold paths, SQL or values: it stays in the server's log)."""
    reference = f"err_{secrets.token_hex(6)}"
    log.error("%s %s failed (%s)", scope.get("method"), scope.get("path"), reference, exc_info=exc)
    note_refusal(scope, f"internal_error: {reference}: {type(exc).__name__}: {exc}")
    return reference, f"internal error {reference}: the server's log has the details"


async def server_error(request: Request, exc: Exception) -> Response:
    _, detail = internal_error(request.scope, exc)
    return error_response(500, detail)
