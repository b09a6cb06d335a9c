"""One log line per request, as uvicorn's access log reads, plus why a request was refused:

    INFO:     127.0.0.1:50312 - "POST /webhooks/github" 202 1.4 ms delivery=72d3162e event=pull_request
    WARNING:  127.0.0.1:50314 - "POST /webhooks/github" 401 0.3 ms delivery=d-9 event=push: invalid_signature: ...

A refused webhook is a warning (so `--quiet` still shows it): someone connecting a real GitHub App must see
its deliveries fail, and why, without opening GitHub's delivery log.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.local.errors import REFUSAL

log = logging.getLogger("wingcloud.http")


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                _write(scope, status, time.perf_counter() - started)
            await send(message)

        try:
            await self._app(scope, receive, sending)
        except Exception:
            _write(scope, status, time.perf_counter() - started)
            raise


def _write(scope: Scope, status: int, seconds: float) -> None:
    refused = status >= 400 and scope["path"].startswith(("/webhooks/", "/runtime/"))
    level = logging.WARNING if refused or status >= 500 else logging.INFO
    if not log.isEnabledFor(level):
        return
    client = scope.get("client")
    where = f"{client[0]}:{client[1]}" if client else "-"
    headers = dict(scope["headers"])
    facts = [f"{name}={headers[key].decode('latin-1')[:100]}" for key, name in _FACTS if key in headers]
    reason = scope.get(REFUSAL) if status >= 400 else None
    line = f'{where} - "{scope["method"]} {scope["path"]}" {status} {seconds * 1000:.1f} ms'
    line += "".join(f" {fact}" for fact in facts) + (f": {reason}" if reason else "")
    log.log(level, "%s", line)


_FACTS = ((b"x-github-delivery", "delivery"), (b"x-github-event", "event"))
