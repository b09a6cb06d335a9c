"""What every /api route shares: the bearer check, JSON bodies and fields, and running service code in a
thread with its domain errors mapped to HTTP statuses."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from adapters.local import outbox
from adapters.local.errors import ApiError
from adapters.local.system import System
from services.api import RedeployRefusedError, UnknownEnvironmentError
from services.apps.validation import InvalidAppError, UnknownAppError
from services.secrets.api import InvalidSecretError

T = TypeVar("T")
LOCAL_USER = "local"


def authorize(request: Request, *, allow_query: bool = False) -> None:
    system: System = request.app.state.system
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not token and allow_query:  # EventSource cannot set headers; the console passes the token in the URL
        token = request.query_params.get("token", "")
    if not token or not hmac.compare_digest(token.encode(), system.credentials.api_token.encode()):
        raise ApiError(401, "missing or wrong API token: send `Authorization: Bearer <token>`")


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as error:
        raise ApiError(400, f"body is not JSON: {error}", "malformed_json") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body must be a JSON object", "malformed_json")
    return body


def field(body: dict[str, Any], name: str, kind: type[T]) -> T:
    value = body.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ApiError(422, f"{name}: required, a {kind.__name__}", "invalid")
    return value


async def run(system: System, work: Callable[[], T]) -> T:
    """Run service code in a thread, mapping its domain errors to HTTP statuses."""
    try:
        return await run_in_threadpool(work)
    except (UnknownAppError, UnknownEnvironmentError) as error:
        raise ApiError(404, str(error)) from None
    except (InvalidAppError, InvalidSecretError) as error:
        raise ApiError(422, str(error)) from None
    except RedeployRefusedError as error:
        raise ApiError(409, str(error), "redeploy_refused") from None
    except outbox.RedriveError as error:
        raise ApiError(409 if "no dead letter" not in str(error) else 404, str(error)) from None


def read(system: System, query: Callable[[Any], T]) -> Callable[[], T]:
    return lambda: query(system.db.connection())


def int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise ApiError(400, f"{name}: must be a non-negative integer, got {raw!r}")
    return int(raw)
