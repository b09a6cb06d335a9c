"""The REST API under /api (the same routes on every backend): apps, environments, secrets, logs, dead letters, traces, the timeline.

Routes are FastAPI path operations over pydantic models (`api_models`), so validation, the JSON shapes and
the OpenAPI document at /api/openapi.json all come from one definition. The bearer token is checked by
`ApiAuth` before a body is even read. Plain `def` routes run in Starlette's thread pool: service code
and SQLite block.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.security import HTTPBearer

from adapters.http.api_models import (
    AppView,
    DeadLetterView,
    DeletedApp,
    EntrypointChange,
    EnvironmentView,
    ErrorView,
    LogsView,
    NewApp,
    RedeployAccepted,
    Redriven,
    ServicesView,
    ServiceView,
    TimelineEntry,
    TraceView,
)
from adapters.http.api_secrets import SECRETS
from adapters.http.api_stop import STOP
from adapters.http.api_usage import USAGE
from adapters.http.backend import Backend
from adapters.http.errors import ApiError
from services.api import UnknownEnvironmentError, request_redeploy
from services.apps.commands import change_entrypoint, create_app, delete_app, list_apps
from services.apps.validation import UnknownAppError
from services.logs.handlers import read_logs

LOCAL_USER = "local"
MAX_SEQ = 2**63 - 1  # SQLite's INTEGER: a larger `after` can never match, and must not overflow


def the_system(request: Request) -> Backend:
    system: Backend = request.app.state.system
    return system


SystemDep = Annotated[Backend, Depends(the_system)]
# Documents the bearer scheme in OpenAPI; `ApiAuth` enforces it, before FastAPI reads a body.
BEARER = Security(HTTPBearer(auto_error=False, description="The API token `wingcloud serve` printed"))
ERRORS = {
    401: {"model": ErrorView, "description": "Missing or wrong API token"},
    404: {"model": ErrorView, "description": "No such app, environment, dead letter or trace"},
    422: {"model": ErrorView, "description": "Invalid fields, each named with what it expects"},
}

router = APIRouter(prefix="/api", dependencies=[BEARER], responses={401: ERRORS[401]})


@router.post("/apps", status_code=201, response_model=AppView, responses={422: ERRORS[422]}, tags=["apps"])
def create_app_route(body: NewApp, system: SystemDep) -> AppView:
    """Create an app bound to a repository (GitHub's unless `provider` names another code host); its production
    environment starts deploying."""
    owner = body.owner or LOCAL_USER
    args = (owner, body.name, body.repository, body.default_branch, body.entrypoint, body.installation_id)
    app = system.command("apps", lambda ports: create_app(*args, ports, provider=body.provider))
    return AppView.of(app)


@router.get("/apps", response_model=list[AppView], tags=["apps"])
def list_apps_route(system: SystemDep, repository: str | None = None) -> list[AppView]:
    """Every app, or those bound to `repository` (owner/repo)."""
    return [AppView.of(a) for a in list_apps(system.ports, repository=repository)]


@router.get("/apps/{app_id}", response_model=AppView, responses={404: ERRORS[404]}, tags=["apps"])
def get_app_route(app_id: str, system: SystemDep) -> AppView:
    """One app."""
    app = system.ports.apps.get(app_id)
    if app is None:
        raise UnknownAppError(app_id)
    return AppView.of(app)


@router.delete(
    "/apps/{app_id}", status_code=202, response_model=DeletedApp, responses={404: ERRORS[404]}, tags=["apps"]
)
def delete_app_route(app_id: str, system: SystemDep) -> DeletedApp:
    """Delete an app; its environments are stopped (asynchronously, hence 202)."""
    app = system.command("apps", lambda ports: delete_app(app_id, ports))
    return DeletedApp(**AppView.of(app).model_dump())


@router.patch("/apps/{app_id}", response_model=AppView, responses={404: ERRORS[404], 422: ERRORS[422]}, tags=["apps"])
def change_app_route(app_id: str, body: EntrypointChange, system: SystemDep) -> AppView:
    """Change the entrypoint; every live environment of the app redeploys."""
    app = system.command("apps", lambda ports: change_entrypoint(app_id, body.entrypoint, ports))
    return AppView.of(app)


@router.get(
    "/apps/{app_id}/environments",
    response_model=list[EnvironmentView],
    responses={404: ERRORS[404]},
    tags=["environments"],
)
def app_environments_route(app_id: str, system: SystemDep) -> list[EnvironmentView]:
    """The app's environments (a deleted app's stopped ones too, until they are removed)."""
    envs = system.ports.environments.list_by_app(app_id)
    if system.ports.apps.get(app_id) is None and not envs:
        raise UnknownAppError(app_id)
    return [EnvironmentView.of(e) for e in envs]


@router.get("/environments", response_model=list[EnvironmentView], tags=["environments"])
def list_environments_route(system: SystemDep) -> list[EnvironmentView]:
    """Every environment of every app."""
    return [EnvironmentView.of(e) for e in system.ports.environments.list_all()]


@router.get(
    "/environments/{environment_id}",
    response_model=EnvironmentView,
    responses={404: ERRORS[404]},
    tags=["environments"],
)
def get_environment_route(environment_id: str, system: SystemDep) -> EnvironmentView:
    """One environment: status, endpoints, test results, the last error."""
    env = system.ports.environments.get(environment_id)
    if env is None:
        raise UnknownEnvironmentError(environment_id)
    return EnvironmentView.of(env)


@router.post(
    "/environments/{environment_id}/redeploy",
    status_code=202,
    response_model=RedeployAccepted,
    responses={404: ERRORS[404], 409: {"model": ErrorView, "description": "Not running and not in error"}},
    tags=["environments"],
)
def redeploy_route(environment_id: str, system: SystemDep) -> RedeployAccepted:
    """Redeploy a running environment, or one in error, at its current commit."""
    system.command("api", lambda ports: (None, request_redeploy(environment_id, LOCAL_USER, ports)))
    return RedeployAccepted(environment_id=environment_id)


@router.get(
    "/environments/{environment_id}/logs", response_model=LogsView, responses={404: ERRORS[404]}, tags=["environments"]
)
def logs_route(environment_id: str, system: SystemDep) -> LogsView:
    """The current deployment's log."""
    if system.ports.environments.get(environment_id) is None:
        raise UnknownEnvironmentError(environment_id)
    return LogsView(environment_id=environment_id, logs=read_logs(environment_id, system.ports))


@router.get("/dead-letters", response_model=list[DeadLetterView], tags=["operations"])
def dead_letters_route(system: SystemDep) -> list[DeadLetterView]:
    """Deliveries that failed for good, with the error, waiting to be redriven."""
    return [DeadLetterView(**letter) for letter in system.dead_letters()]


@router.post(
    "/dead-letters/{letter_id}/redrive",
    status_code=202,
    response_model=Redriven,
    responses={404: ERRORS[404], 409: {"model": ErrorView, "description": "Rejected at publish: no target"}},
    tags=["operations"],
)
def redrive_route(letter_id: str, system: SystemDep) -> Redriven:
    """Deliver a dead letter again, with fresh attempts."""
    system.redrive(letter_id)
    return Redriven(id=letter_id)


@router.get("/trace/{correlation_id}", response_model=TraceView, responses={404: ERRORS[404]}, tags=["operations"])
def trace_route(correlation_id: str, system: SystemDep) -> TraceView:
    """The causal tree of one webhook or request, and every delivery attempt it caused."""
    found = system.trace(correlation_id)
    if found is None:
        raise ApiError(404, f"nothing was traced for correlation id {correlation_id!r}")
    return TraceView.model_validate(found)


@router.get("/events", response_model=list[TimelineEntry], tags=["operations"])
def events_route(
    system: SystemDep,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="Only events after this sequence number")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[TimelineEntry]:
    """The event archive in publish order (the console's timeline)."""
    return [TimelineEntry(**entry) for entry in system.timeline(after, limit)]


@router.get("/services", response_model=ServicesView, tags=["operations"])
def services_route(system: SystemDep) -> ServicesView:
    """The services, what each receives, and which outside systems are real or embedded."""
    services = [
        ServiceView(
            name=definition.name,
            receives=sorted(r.message for r in system.router.rules_of(definition.name)),
            handlers=len(definition.handlers),
        )
        for definition in system.services
    ]
    return ServicesView(services=services, outside=system.described)


router.include_router(SECRETS)
router.include_router(STOP)
router.include_router(USAGE)
