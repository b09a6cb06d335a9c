"""The REST API under /api (bearer token): apps, environments, secrets, logs, dead letters, traces, timeline."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from adapters.local import outbox, views
from adapters.local.api_common import LOCAL_USER, authorize, field, int_param, json_body, read, run
from adapters.local.api_secrets import SECRET_ROUTES
from adapters.local.errors import ApiError
from adapters.local.system import System
from services.api import UnknownEnvironmentError, request_redeploy
from services.apps.commands import change_entrypoint, create_app, delete_app, list_apps
from services.apps.validation import UnknownAppError
from services.logs.handlers import read_logs


async def apps_create(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    body = await json_body(request)
    args = (
        str(body.get("owner") or LOCAL_USER),
        field(body, "name", str),
        field(body, "repository", str),
        field(body, "default_branch", str),
        field(body, "entrypoint", str),
        field(body, "installation_id", int),
    )
    app = await run(system, lambda: system.command("apps", lambda ports: create_app(*args, ports)))
    return JSONResponse(views.app_view(app), status_code=201)


async def apps_list(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    repository = request.query_params.get("repository")
    apps = await run(system, lambda: list_apps(system.ports, repository=repository))
    return JSONResponse([views.app_view(a) for a in apps])


async def apps_delete(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    app_id = request.path_params["app_id"]
    app = await run(system, lambda: system.command("apps", lambda ports: delete_app(app_id, ports)))
    return JSONResponse({**views.app_view(app), "deleted": True}, status_code=202)


async def apps_patch(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    app_id, entrypoint = request.path_params["app_id"], field(await json_body(request), "entrypoint", str)
    app = await run(system, lambda: system.command("apps", lambda ports: change_entrypoint(app_id, entrypoint, ports)))
    return JSONResponse(views.app_view(app))


async def app_environments(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    app_id = request.path_params["app_id"]

    def query() -> list[dict[str, Any]]:
        if system.ports.apps.get(app_id) is None and not system.ports.environments.list_by_app(app_id):
            raise UnknownAppError(app_id)
        return [views.environment_view(e) for e in system.ports.environments.list_by_app(app_id)]

    return JSONResponse(await run(system, query))


async def environments_list(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    envs = await run(system, system.ports.environments.list_all)
    return JSONResponse([views.environment_view(e) for e in envs])


async def environment_redeploy(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    env_id = request.path_params["environment_id"]
    await run(system, lambda: system.command("api", lambda ports: (None, request_redeploy(env_id, LOCAL_USER, ports))))
    return JSONResponse({"environment_id": env_id, "redeploy": "requested"}, status_code=202)


async def environment_logs(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    env_id = request.path_params["environment_id"]

    def query() -> str:
        if system.ports.environments.get(env_id) is None:
            raise UnknownEnvironmentError(env_id)
        return read_logs(env_id, system.ports)

    return JSONResponse({"environment_id": env_id, "logs": await run(system, query)})


async def dead_letters(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    return JSONResponse(await run(system, read(system, outbox.dead_letters)))


async def dead_letter_redrive(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    letter_id = request.path_params["letter_id"]

    def redrive() -> None:
        with system.db.writing() as conn:
            outbox.redrive(conn, letter_id)
        system.committed()

    await run(system, redrive)
    return JSONResponse({"id": letter_id, "redriven": True}, status_code=202)


async def trace(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    correlation_id = request.path_params["correlation_id"]
    found = await run(system, read(system, lambda conn: views.trace_view(conn, correlation_id)))
    if found is None:
        raise ApiError(404, f"nothing was traced for correlation id {correlation_id!r}")
    return JSONResponse(found)


async def events_list(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    after, limit = int_param(request, "after", 0), min(int_param(request, "limit", 200), 1000)
    return JSONResponse(await run(system, read(system, lambda conn: views.timeline(conn, after, limit))))


async def services_list(request: Request) -> JSONResponse:
    authorize(request)
    system: System = request.app.state.system
    out = []
    for definition in system.services:
        rules = system.router.rules_of(definition.name)
        out.append(
            {
                "name": definition.name,
                "receives": sorted(r.message for r in rules),
                "handlers": len(definition.handlers),
            }
        )
    return JSONResponse({"services": out, "outside": system.outside})


ROUTES = [
    Route("/api/apps", apps_create, methods=["POST"]),
    Route("/api/apps", apps_list, methods=["GET"]),
    Route("/api/apps/{app_id}", apps_delete, methods=["DELETE"]),
    Route("/api/apps/{app_id}", apps_patch, methods=["PATCH"]),
    Route("/api/apps/{app_id}/environments", app_environments, methods=["GET"]),
    *SECRET_ROUTES,
    Route("/api/environments", environments_list, methods=["GET"]),
    Route("/api/environments/{environment_id}/redeploy", environment_redeploy, methods=["POST"]),
    Route("/api/environments/{environment_id}/logs", environment_logs, methods=["GET"]),
    Route("/api/dead-letters", dead_letters, methods=["GET"]),
    Route("/api/dead-letters/{letter_id}/redrive", dead_letter_redrive, methods=["POST"]),
    Route("/api/trace/{correlation_id}", trace, methods=["GET"]),
    Route("/api/events", events_list, methods=["GET"]),
    Route("/api/services", services_list, methods=["GET"]),
]
