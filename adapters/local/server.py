"""The ASGI app: routes, the live timeline (server-sent events), the console, health, and the lifespan that
starts the worker, the inbox writer, the embedded runtime and the hourly cleaner.

It is a FastAPI app so that the REST API (`api`) gets request validation and its OpenAPI document; the
webhook door is a plain ASGI app in front of it (the one path that takes bursts); only /api is documented.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TextIO

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from adapters.http import api
from adapters.http.api_common import ApiAuth, SecurityHeaders, install_error_handlers
from adapters.http.backend import Backend
from adapters.http.clone_access import runtime_clone_access
from adapters.http.doors import GitHubWebhooks, gitlab_webhook, runtime_current, runtime_logs, runtime_report
from adapters.http.errors import ApiError, http_error, server_error
from adapters.local import console_stream, gcwatch, views
from adapters.local.console_actions import ACTIONS
from adapters.local.console_api import CONSOLE
from adapters.local.requestlog import RequestLog
from adapters.local.runtime import EndpointProxy
from adapters.local.system import System

log = logging.getLogger("wingcloud")
STATIC = Path(__file__).with_name("static")
CLEANUP_EVERY = 3600.0
_PAGE = 200


async def healthz(request: Request) -> JSONResponse:
    system: System = request.app.state.system

    def counts() -> dict[str, Any]:
        conn = system.db.connection()
        pending = conn.execute("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'").fetchone()[0]
        pending += system.inbox.waiting(conn)  # accepted, not yet taken in by the worker
        dead = conn.execute("SELECT COUNT(*) FROM dead_letters WHERE redriven_at IS NULL").fetchone()[0]
        return {
            "status": "ok",
            "pending_deliveries": pending,
            "dead_letters": dead,
            "outside": system.outside.described,
            **({"gc": watched} if (watched := gcwatch.summary()) is not None else {}),
        }

    return JSONResponse(await run_in_threadpool(counts))


async def stream(request: Request) -> StreamingResponse:
    """Every archived event from `Last-Event-ID` (or `?after=`, or now) on, pushed as it commits."""
    system: System = request.app.state.system
    start = request.headers.get("last-event-id") or request.query_params.get("after")
    if start:
        if not (start.isascii() and start.isdigit() and int(start) <= api.MAX_SEQ):
            raise ApiError(400, f"after: must be a sequence number from 0 to {api.MAX_SEQ}, got {start[:40]!r}")
        after = int(start)
    else:
        after = await run_in_threadpool(lambda: views.latest_seq(system.db.connection()))
    return StreamingResponse(
        _events(system, after), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


def _page(system: System, after: int) -> list[dict[str, Any]]:
    return views.timeline(system.db.connection(), after, _PAGE)


async def _events(system: System, after: int) -> AsyncIterator[str]:
    waiter = system.notifier.subscribe()
    try:
        yield "retry: 1000\n\n"
        while True:
            rows = await run_in_threadpool(_page, system, after)
            for row in rows:
                after = row["seq"]
                yield f"id: {after}\nevent: event\ndata: {json.dumps(row)}\n\n"
            if len(rows) == _PAGE:
                continue
            try:
                await asyncio.wait_for(waiter[1].wait(), timeout=15)
            except TimeoutError:
                yield ": keep-alive\n\n"
            waiter[1].clear()
    finally:
        system.notifier.unsubscribe(waiter)


async def _cleaner(system: System) -> None:
    from services.cleaner import emit_cleanup_due

    while True:
        try:  # at start and then hourly: the inbox keeps bodies only while they may still be needed
            await run_in_threadpool(system.prune_inbox)
            await run_in_threadpool(system.prune_history)
        except Exception:
            log.exception("old history could not be pruned; the next hour retries")
        await asyncio.sleep(CLEANUP_EVERY)
        try:
            stamp = system.ports.clock.now().strftime("%Y%m%dT%H%M%SZ")
            await run_in_threadpool(
                system.command, "cleaner", lambda p: (None, emit_cleanup_due(p)), correlation_id=f"schedule-{stamp}"
            )
        except Exception:
            log.exception("the hourly cleanup could not be scheduled")


def _sync_webhook_url(system: System) -> None:
    from services.github import sync_webhook_url

    try:
        sync_webhook_url(f"{system.base_url}/webhooks/github", system.ports)
    except Exception as error:  # a real GitHub being unreachable must not keep the console down
        log.warning("could not update the GitHub App's webhook URL: %s", error)


def create_app(
    system: System,
    *,
    background: bool = True,
    on_ready: Callable[[], None] | None = None,
    request_log: TextIO | None = None,
) -> RequestLog:
    """The whole HTTP surface. `on_ready` runs once everything has started (the banner of `serve`);
    `request_log` gets a line per request (refusals are logged as warnings in any case)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        system.start(background=background)
        await run_in_threadpool(_sync_webhook_url, system)
        cleaner = asyncio.create_task(_cleaner(system))
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            cleaner.cancel()
            await run_in_threadpool(system.stop)

    app = FastAPI(
        title="wing.cloud API",
        version=_version(),
        description="Apps, environments, secrets, logs and the event system of a wing.cloud, as `wingcloud serve` "
        "runs it. Every route wants `Authorization: Bearer <API token>`.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    install_error_handlers(app)
    app.include_router(api.router)
    # the console's own routes (its map, inspector, panels and reset) read the local store: local only
    console = APIRouter(prefix="/api", dependencies=[api.BEARER], responses={401: api.ERRORS[401]})
    console.include_router(CONSOLE)
    console.include_router(ACTIONS)
    app.include_router(console)
    app.router.routes.extend(
        [
            Route("/", console_stream.console_page, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/runtime/reports", runtime_report, methods=["POST"]),
            Route("/runtime/reports", runtime_current, methods=["GET"]),
            Route("/runtime/logs", runtime_logs, methods=["POST"]),
            Route("/runtime/clone-access", runtime_clone_access, methods=["POST"]),
            Route("/webhooks/gitlab", gitlab_webhook, methods=["POST"]),
            Route("/api/stream", stream, methods=["GET"]),
            *console_stream.ROUTES,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )
    backend: Backend = system  # what the shared routes and doors see of it (checked by mypy)
    app.state.system = backend
    front: Any = SecurityHeaders(GitHubWebhooks(system, ApiAuth(app, system.credentials.api_token)))
    if (
        system.outside.machines is not None
    ):  # deployments run here: their endpoints are served here too (as the app answers)
        front = EndpointProxy(front, system.outside.machines)
    return RequestLog(front, request_log)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wingcloud")
    except PackageNotFoundError:
        return "0"
