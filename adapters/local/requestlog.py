"""One log line per request, as uvicorn's access log reads, plus why a request was refused:

    INFO:     127.0.0.1:50312 - "POST /webhooks/github" 202 1.4 ms delivery=72d3162e event=pull_request
    WARNING:  127.0.0.1:50314 - "POST /webhooks/github" 401 0.3 ms delivery=d-9 event=push: invalid_signature: ...

A refused webhook is a warning (so `--quiet` still shows it): someone connecting a real GitHub App must see
its deliveries fail, and why, without opening GitHub's delivery log.
"""

from __future__ import annotations

import logging
import time
from typing import TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.http.errors import REFUSAL

log = logging.getLogger("wingcloud.http")


class RequestLog:
    """`out`: where the INFO lines go (None: only the warnings, through `logging`).

    The INFO line is written straight to `out`, not through `logging`: it is on the path of every webhook, and
    `logging` costs ~20 us a line against ~1 us for a write (measured: the ingest benchmark's ratio to a bare
    endpoint fell by a fifth with every line going through `logging`). Warnings, rare, go through `logging`.
    """

    def __init__(self, app: ASGIApp, out: TextIO | None = None) -> None:
        self._app, self._out = app, out

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
                self._write(scope, status, time.perf_counter() - started)
            await send(message)

        try:
            await self._app(scope, receive, sending)
        except Exception:
            self._write(scope, status, time.perf_counter() - started)
            raise

    def _write(self, scope: Scope, status: int, seconds: float) -> None:
        warn = status >= 500 or (status >= 400 and scope["path"].startswith(("/webhooks/", "/runtime/")))
        if not warn and self._out is None:
            return
        client = scope.get("client") or ("-", 0)
        line = f'{client[0]}:{client[1]} - "{scope["method"]} {scope["path"]}" {status} {seconds * 1000:.1f} ms'
        for key, value in scope["headers"]:
            if key in _FACTS:
                line += f" {_FACTS[key]}={value.decode('latin-1')[:100]}"
        if status >= 400 and (reason := scope.get(REFUSAL)):
            line += f": {reason}"
        if warn:
            log.warning("%s", line)
        elif self._out is not None:
            self._out.write(f"INFO:     {line}\n")


_FACTS = {b"x-github-delivery": "delivery", b"x-github-event": "event"}
