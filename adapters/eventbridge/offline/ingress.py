"""The ingress function driven as API Gateway drives it: HTTP requests become payload-format-2.0 events built
from a recorded sample (`samples/http-api-v2.json`, see tests/fixtures/apigateway/README.md), the deployed
handler's code answers them (the same Mangum + ASGI app as in Lambda), and the answer is read back as
API Gateway would return it."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

SAMPLE = Path(__file__).with_name("samples") / "http-api-v2.json"
Handler = Callable[[dict[str, Any], Any], Mapping[str, Any]]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http_api_event(
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    route: str | None = None,
) -> dict[str, Any]:
    """The event API Gateway sends the ingress function for one request (header names lower case)."""
    event: dict[str, Any] = copy.deepcopy(json.loads(SAMPLE.read_text()))
    for absent in ("cookies", "pathParameters"):
        event.pop(absent, None)
    context = event["requestContext"]
    for absent in ("authentication", "authorizer"):
        context.pop(absent, None)
    raw_query = urlencode(list((query or {}).items()))
    now = time.time()
    event["routeKey"] = context["routeKey"] = route or f"{method} {path}"
    event["rawPath"] = path
    event["rawQueryString"] = raw_query
    event["headers"] = {k.lower(): v for k, v in (headers or {}).items()} | {"content-length": str(len(body))}
    if query:
        event["queryStringParameters"] = dict(parse_qsl(raw_query))
    else:
        event.pop("queryStringParameters", None)
    event["stageVariables"] = None
    context["http"] = {**context["http"], "method": method, "path": path}
    context["requestId"] = uuid.uuid4().hex[:16]
    context["time"] = datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
    context["timeEpoch"] = int(now * 1000)
    try:
        event["body"], event["isBase64Encoded"] = body.decode("utf-8"), False
    except UnicodeDecodeError:
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


@contextmanager
def own_event_loop() -> Iterator[None]:
    """Mangum runs the app on `asyncio.get_event_loop()`, making one when there is none and never closing it
    (a Lambda container keeps it for life). Offline, in a process that runs other event loops, each use gets
    a loop of its own, closed after: no loop is left behind for the garbage collector to find unclosed."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def call(handler: Handler, event: dict[str, Any]) -> Answer:
    """Invoke the handler; read its payload-2.0 answer."""
    with own_event_loop():
        answer = handler(event, _Context())
    raw = str(answer.get("body") or "")
    body = base64.b64decode(raw) if answer.get("isBase64Encoded") else raw.encode()
    return Answer(
        int(answer["statusCode"]), {k.lower(): str(v) for k, v in (answer.get("headers") or {}).items()}, body
    )


class _Context:
    """What Mangum reads of Lambda's context object."""

    function_name = "ingress"
    aws_request_id = "offline"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000
