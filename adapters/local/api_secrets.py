"""Secrets under /api/apps/{id}/secrets: create, list (masked) and delete. Values go in, never come out."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from adapters.local import api_common as common
from adapters.local.errors import ApiError
from adapters.local.system import System
from services.apps.validation import UnknownAppError
from services.secrets.api import create_secret, delete_secret, list_secrets


async def secrets_list(request: Request) -> JSONResponse:
    common.authorize(request)
    system: System = request.app.state.system
    app_id = request.path_params["app_id"]

    def query() -> list[dict[str, Any]]:
        if system.ports.apps.get(app_id) is None:
            raise UnknownAppError(app_id)
        return [
            {
                "name": s.name,
                "environment_type": s.environment_type.value,
                "value": s.value,
                "updated_at": s.updated_at.isoformat(),
            }
            for s in list_secrets(app_id, system.ports)
        ]

    return JSONResponse(await common.run(system, query))


async def secrets_create(request: Request) -> JSONResponse:
    common.authorize(request)
    system: System = request.app.state.system
    app_id, body = request.path_params["app_id"], await common.json_body(request)
    env_type, name, value = (common.field(body, k, str) for k in ("environment_type", "name", "value"))

    def create(ports: Any) -> tuple[None, list[Any]]:
        if ports.apps.get(app_id) is None:
            raise UnknownAppError(app_id)
        return None, create_secret(app_id, env_type, name, value, ports)

    await common.run(system, lambda: system.command("secrets", create))
    return JSONResponse({"app_id": app_id, "environment_type": env_type, "name": name}, status_code=201)


async def secrets_delete(request: Request) -> JSONResponse:
    common.authorize(request)
    system: System = request.app.state.system
    app_id = request.path_params["app_id"]
    body = await common.json_body(request) if await request.body() else dict(request.query_params)
    env_type, name = common.field(body, "environment_type", str), common.field(body, "name", str)
    removed: list[bool] = []

    def delete(ports: Any) -> tuple[None, list[Any]]:
        events = delete_secret(app_id, env_type, name, ports)
        removed.append(bool(events))
        return None, events

    await common.run(system, lambda: system.command("secrets", delete))
    if not removed[0]:
        raise ApiError(404, f"no secret {name!r} for {env_type} environments of {app_id!r}")
    return JSONResponse({"app_id": app_id, "environment_type": env_type, "name": name, "deleted": True})


SECRET_ROUTES = [
    Route("/api/apps/{app_id}/secrets", secrets_list, methods=["GET"]),
    Route("/api/apps/{app_id}/secrets", secrets_create, methods=["POST"]),
    Route("/api/apps/{app_id}/secrets", secrets_delete, methods=["DELETE"]),
]
