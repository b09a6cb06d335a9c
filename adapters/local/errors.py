"""Errors as JSON: `{"error": <code>, "detail": <message>}`, for every status the HTTP layer returns."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(HTTPException):
    """Raise from a route: status, a short machine-readable code and a human detail."""

    def __init__(self, status_code: int, detail: str, error: str | None = None) -> None:
        super().__init__(status_code, detail)
        self.error = error or _CODES.get(status_code, "error")


def error_response(status: int, detail: str, error: str | None = None) -> JSONResponse:
    return JSONResponse({"error": error or _CODES.get(status, "error"), "detail": detail}, status_code=status)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, str(exc.detail), getattr(exc, "error", None))


async def server_error(request: Request, exc: Exception) -> Response:
    return error_response(500, f"{type(exc).__name__}: {exc}")
