"""Secrets under /api/apps/{id}/secrets: create, list (masked) and delete. Values go in, never come out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from adapters.http.api_models import (
    ErrorView,
    NewSecret,
    SecretCreatedView,
    SecretDeletedView,
    SecretListed,
    SecretRef,
)
from adapters.http.backend import Backend
from adapters.http.errors import ApiError
from ports import Ports
from services.apps.validation import UnknownAppError
from services.secrets.api import create_secret, delete_secret, list_secrets

SECRETS = APIRouter(tags=["secrets"])
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorView, "description": "No such app or secret"}}


def _system(request: Request) -> Backend:
    system: Backend = request.app.state.system
    return system


SystemDep = Annotated[Backend, Depends(_system)]


@SECRETS.get("/apps/{app_id}/secrets", response_model=list[SecretListed], responses=_NOT_FOUND)
def list_secrets_route(app_id: str, system: SystemDep) -> list[SecretListed]:
    """The app's secrets, values masked."""
    if system.ports.apps.get(app_id) is None:
        raise UnknownAppError(app_id)
    return [
        SecretListed(
            name=s.name, environment_type=s.environment_type.value, value=s.value, updated_at=s.updated_at.isoformat()
        )
        for s in list_secrets(app_id, system.ports)
    ]


@SECRETS.post(
    "/apps/{app_id}/secrets",
    status_code=201,
    response_model=SecretCreatedView,
    responses={**_NOT_FOUND, 422: {"model": ErrorView, "description": "Invalid name, type or value"}},
)
def create_secret_route(app_id: str, body: NewSecret, system: SystemDep) -> SecretCreatedView:
    """Create or replace a secret; the next deploy of that environment type gets it."""

    def create(ports: Ports) -> tuple[None, list[Any]]:
        if ports.apps.get(app_id) is None:
            raise UnknownAppError(app_id)
        return None, create_secret(app_id, body.environment_type, body.name, body.value, ports)

    system.command("secrets", create)
    return SecretCreatedView(app_id=app_id, environment_type=body.environment_type, name=body.name)


@SECRETS.delete("/apps/{app_id}/secrets", response_model=SecretDeletedView, responses=_NOT_FOUND)
def delete_secret_route(
    app_id: str,
    system: SystemDep,
    body: SecretRef | None = None,
    environment_type: str | None = None,
    name: str | None = None,
) -> SecretDeletedView:
    """Delete a secret named in the body or in the query (`?environment_type=&name=`)."""
    ref = body or _ref_from_query(environment_type, name)
    removed: list[bool] = []

    def delete(ports: Ports) -> tuple[None, list[Any]]:
        events = delete_secret(app_id, ref.environment_type, ref.name, ports)
        removed.append(bool(events))
        return None, events

    system.command("secrets", delete)
    if not removed[0]:
        raise ApiError(404, f"no secret {ref.name!r} for {ref.environment_type} environments of {app_id!r}")
    return SecretDeletedView(app_id=app_id, environment_type=ref.environment_type, name=ref.name)


def _ref_from_query(environment_type: str | None, name: str | None) -> SecretRef:
    missing = [field for field, value in (("environment_type", environment_type), ("name", name)) if not value]
    if missing:
        raise ApiError(422, f"{' and '.join(missing)}: required, in the body or the query", "invalid")
    assert environment_type is not None and name is not None
    return SecretRef(environment_type=environment_type, name=name)
