"""`POST /runtime/clone-access`: a fresh token of the code host for a deployment's agent to clone with.

The machine gets a token once, as a secret, when its deployment starts; GitHub's installation tokens last an
hour, so a machine that restarts later (fly.io restarts a stopped or crashed one with the same secrets) would
clone with a dead one. Its agent asks here with the deployment's report token instead, and gets one that works
now. The token is in the answer only: never in a log line, a refusal or an event.
"""

from __future__ import annotations

import httpx
import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from adapters.github.client import GitHubError
from adapters.gitlab.client import GitLabError
from adapters.http.backend import Backend
from adapters.http.doors import read_body
from adapters.http.errors import ApiError
from adapters.http.reports import Verdict, verdict
from ports import CloneAccess, Ports, RuntimeReport

PATH = "/runtime/clone-access"
MAX_BODY = 4096  # two ids


def find_clone_access(ports: Ports, environment_id: str) -> CloneAccess | None:
    """How the environment's app clones now, from its code host; None when the environment or its app is gone.
    (`Backend.clone_access` of both backends: what differs between them is only where `ports` come from.)"""
    environment = ports.environments.get(environment_id)
    app = ports.apps.get(environment.app_id) if environment is not None else None
    if app is None:
        return None
    return ports.code_hosts.get(app.provider).clone_access(app.installation_id, app.repository)


async def runtime_clone_access(request: Request) -> JSONResponse:
    """`POST /runtime/clone-access` with `{"environment_id", "deployment_id"}`: 400 malformed, 401 without the
    deployment's token, 409 when the deployment is not current (as `GET /runtime/reports` answers it) or its app
    was deleted, 502 when the code host gave no token, 200 `{"url", "username", "token"}` (a `CloneAccess`) that
    no cache may keep."""
    system: Backend = request.app.state.system
    body = await read_body(request.receive, dict(request.scope["headers"]).get(b"content-length"), MAX_BODY)
    environment_id, deployment_id = _deployment(body)
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not system.tokens.valid(environment_id, deployment_id, token):
        raise ApiError(401, "the token is not the one issued for this environment and deployment", "invalid_token")
    asked = RuntimeReport(environment_id, deployment_id, "deploying")
    if await run_in_threadpool(verdict, system.current_environments(), asked) is Verdict.STALE:
        raise ApiError(409, f"deployment {deployment_id} is not current", "stale_deployment")
    try:
        access = await run_in_threadpool(system.clone_access, environment_id)
    except (GitHubError, GitLabError, httpx.HTTPError) as error:  # their texts hold no token: ours is not sent yet
        raise ApiError(
            502, f"the code host gave no token (the agent may ask again): {error}", "code_host_unavailable"
        ) from None
    if access is None:  # the app was deleted; its environments stop next
        raise ApiError(409, f"the app of {environment_id} was deleted: there is nothing to clone", "app_deleted")
    answer = {"url": access.url, "username": access.username, "token": access.token}
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


def _deployment(body: bytes) -> tuple[str, str]:
    """The environment and deployment ids of a request body; ApiError (400) naming what is wrong."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ApiError(400, "the body is not JSON", "malformed_request") from None
    if not isinstance(document, dict):
        raise ApiError(400, "the body must be a JSON object", "malformed_request")
    ids = [document.get(name) for name in ("environment_id", "deployment_id")]
    wrong = [name for name, value in zip(("environment_id", "deployment_id"), ids, strict=True) if not _id(value)]
    if wrong:
        raise ApiError(400, f"{' and '.join(wrong)} must be a non-empty string", "malformed_request")
    return str(ids[0]), str(ids[1])


def _id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 100
