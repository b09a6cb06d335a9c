"""`POST /api/environments/{id}/stop`: a user stops an environment. The api service publishes
`EnvironmentStopRequested`; the environment manager stops it (reason `manual`), and the runtime, DNS, logs
and the pull-request comment follow as for any stop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from adapters.http.api_models import ErrorView, StopAccepted
from adapters.http.backend import Backend
from services.api import request_stop

STOP = APIRouter(tags=["environments"])
USER = "local"  # who asks, as the API's other commands name the local user (`api.LOCAL_USER`)


def _system(request: Request) -> Backend:
    system: Backend = request.app.state.system
    return system


@STOP.post(
    "/environments/{environment_id}/stop",
    status_code=202,
    response_model=StopAccepted,
    responses={
        404: {"model": ErrorView, "description": "No such environment"},
        409: {"model": ErrorView, "description": "Already stopped"},
    },
)
def stop_route(environment_id: str, system: Annotated[Backend, Depends(_system)]) -> StopAccepted:
    """Stop a live environment: its runtime is destroyed, its DNS names and logs removed."""
    system.command("api", lambda ports: (None, request_stop(environment_id, USER, ports)))
    return StopAccepted(environment_id=environment_id)
