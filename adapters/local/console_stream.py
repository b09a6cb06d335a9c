"""The console's live streams (server-sent events) and its page.

- `GET /api/console/stream`: every event as it is published (`event`: a timeline entry saying which app,
  environment and pull request it concerns) and every step of every delivery (`step`: a trace record:
  delivered, failed, dead-lettered, redriven...), from `Last-Event-ID` (`<event seq>.<step seq>`), or
  `?events_after=&steps_after=`, or now.
- `GET /api/console/logs?environment=<id>`: an environment's current log, then each line as it is written;
  `reset` when a new deployment starts a new log.
- `GET /`: the console, with a Content-Security-Policy that allows nothing inline and nothing from elsewhere.

Plain Starlette routes beside the REST API (like `/api/stream`): a stream has no response model to document.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

from adapters.http.errors import ApiError
from adapters.local import console_views, views
from adapters.local.console_api import Directory
from adapters.local.system import System
from services.api import UnknownEnvironmentError
from services.logs.handlers import log_key

STATIC = Path(__file__).with_name("static")
MAX_SEQ = 2**63 - 1
_PAGE = 200
KEEP_ALIVE = 15.0
# No inline script or style, nothing from another origin: the console is three files served from here.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


async def console_page(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=SECURITY_HEADERS)


def _seq(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit() and int(value) <= MAX_SEQ):
        raise ApiError(400, f"{name}: must be a sequence number from 0 to {MAX_SEQ}, got {value[:40]!r}")
    return int(value)


async def stream(request: Request) -> StreamingResponse:
    system: System = request.app.state.system
    last = request.headers.get("last-event-id")
    events_after, _, steps_after = (last or "").partition(".")
    if not last:
        events_after = request.query_params.get("events_after", "")
        steps_after = request.query_params.get("steps_after", "")
    after_events, after_steps = _seq(events_after, "events_after"), _seq(steps_after, "steps_after")

    def start() -> tuple[int, int]:
        conn = system.db.connection()
        first = after_events if after_events is not None else views.latest_seq(conn)
        return first, after_steps if after_steps is not None else console_views.latest_step(conn)

    cursors = list(await run_in_threadpool(start))
    return _sse(system, lambda: _pending(system, cursors))


def _pending(system: System, cursors: list[int]) -> tuple[list[str], bool]:
    """What happened since `cursors` (event seq, step seq), as SSE messages, moving the cursors on; True when
    a page was full (more is waiting)."""
    conn = system.db.connection()
    entries = views.timeline(conn, cursors[0], _PAGE)
    steps = console_views.steps(conn, after=cursors[1], limit=_PAGE)
    directory = Directory(system) if entries else None
    messages = []
    for entry in entries:
        assert directory is not None
        cursors[0] = entry["seq"]
        data = directory.describe(entry).model_dump_json()
        messages.append(f"id: {cursors[0]}.{cursors[1]}\nevent: event\ndata: {data}\n\n")
    for step in steps:
        cursors[1] = step["seq"]
        messages.append(f"id: {cursors[0]}.{cursors[1]}\nevent: step\ndata: {json.dumps(step)}\n\n")
    return messages, len(entries) == _PAGE or len(steps) == _PAGE


def _sse(system: System, pending: Callable[[], tuple[list[str], bool]]) -> StreamingResponse:
    async def body() -> AsyncIterator[str]:
        waiter = system.notifier.subscribe()
        try:
            yield "retry: 1000\n\n"
            while True:
                messages, full = await run_in_threadpool(pending)
                for message in messages:
                    yield message
                if full:
                    continue
                try:
                    await asyncio.wait_for(waiter[1].wait(), timeout=KEEP_ALIVE)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                waiter[1].clear()
        finally:
            system.notifier.unsubscribe(waiter)

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


async def logs(request: Request) -> StreamingResponse:
    system: System = request.app.state.system
    environment_id = request.query_params.get("environment", "")
    if await run_in_threadpool(system.ports.environments.get, environment_id) is None:
        raise UnknownEnvironmentError(environment_id)
    state: dict[str, Any] = {"key": None, "after": 0}

    def pending() -> tuple[list[str], bool]:
        deployment_id = system.ports.log_index.current(environment_id)
        key = log_key(environment_id, deployment_id) if deployment_id else None
        messages = []
        if key != state["key"]:
            state["key"], state["after"] = key, 0
            messages.append(f"event: reset\ndata: {json.dumps({'deployment_id': deployment_id})}\n\n")
        if key is None:
            return messages, False
        rows = (
            system.db.connection()
            .execute(
                "SELECT seq, data FROM blob_chunks WHERE key = ? AND seq > ? ORDER BY seq LIMIT ?",
                (key, state["after"], _PAGE),
            )
            .fetchall()
        )
        for row in rows:
            state["after"] = row["seq"]
            text = bytes(row["data"]).decode("utf-8", "replace")
            messages.append(f"event: lines\ndata: {json.dumps({'text': text})}\n\n")
        return messages, len(rows) == _PAGE

    return _sse(system, pending)


ROUTES = [
    Route("/api/console/stream", stream, methods=["GET"]),
    Route("/api/console/logs", logs, methods=["GET"]),
]
