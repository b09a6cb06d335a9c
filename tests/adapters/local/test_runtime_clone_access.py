"""POST /runtime/clone-access: a deployment's agent gets a fresh token of the code host to clone with (the one
its machine got at the start may have expired), with the deployment's token; never for an old deployment."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from adapters.github.client import GitHubError
from adapters.local.system import System
from tests.adapters.local.conftest import AUTH, drain, embedded

FRESH = "ghs_sim_1"  # the embedded GitHub's installation token for installation 1


def _production(client: TestClient, app_id: str) -> dict[str, Any]:
    [env] = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    return dict(env)


def _ask(client: TestClient, system: System, env: dict[str, Any], deployment_id: str | None = None) -> Any:
    deployment = deployment_id or env["deployment_id"]
    token = system.tokens.issue(env["id"], deployment)
    body = {"environment_id": env["id"], "deployment_id": deployment}
    return client.post("/runtime/clone-access", json=body, headers={"Authorization": f"Bearer {token}"})


def test_the_current_deployment_gets_a_token_its_code_host_gave_just_now(
    client: TestClient, system: System, app_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    env = _production(client, app_id)
    github = embedded(system)[0]
    asked_before = len(github.called("installation_token"))
    with caplog.at_level(logging.DEBUG):
        answer = _ask(client, system, env)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "url": "https://github.com/Codertocat/Hello-World.git",
        "username": "x-access-token",
        "token": FRESH,
    }
    assert answer.headers["cache-control"] == "no-store"
    assert len(github.called("installation_token")) == asked_before + 1  # asked now, not remembered
    # the call is the runtime's on the console's outside panel, and neither it nor any log line holds the token
    [call] = system.calls.recent(port="github", limit=1)
    assert (call["method"], call["service"], call["result"]["token"]) == ("clone_access", "runtime", "<redacted>")
    stored = sqlite3.connect(system.calls.path).execute("SELECT args || COALESCE(result, '') FROM calls").fetchall()
    assert not any(FRESH in row[0] for row in stored)
    assert caplog.records and not any(FRESH in record.getMessage() for record in caplog.records)


def test_without_the_deployments_token_it_is_401(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    body = {"environment_id": env["id"], "deployment_id": env["deployment_id"]}
    assert client.post("/runtime/clone-access", json=body).status_code == 401
    assert client.post("/runtime/clone-access", json=body, headers=AUTH).status_code == 401  # not the API's
    other = {"Authorization": f"Bearer {system.tokens.issue(env['id'], 'dep_other')}"}
    refused = client.post("/runtime/clone-access", json=body, headers=other)  # another deployment's
    assert (refused.status_code, refused.json()["error"]) == (401, "invalid_token")
    assert FRESH not in refused.text


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"not json", "the body is not JSON"),
        (b"[]", "the body must be a JSON object"),
        (b'{"environment_id": "env_1"}', "deployment_id must be a non-empty string"),
        (b'{"environment_id": 1, "deployment_id": ""}', "environment_id and deployment_id must be a non-empty string"),
    ],
)
def test_a_malformed_request_is_400_naming_what_is_wrong(client: TestClient, body: bytes, detail: str) -> None:
    answer = client.post("/runtime/clone-access", content=body, headers={"Authorization": "Bearer x"})
    assert (answer.status_code, answer.json()) == (400, {"error": "malformed_request", "detail": detail})


def test_an_old_deployment_is_409_and_gets_no_token(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    assert client.post(f"/api/environments/{env['id']}/redeploy", headers=AUTH).status_code == 202
    drain(system)
    assert _production(client, app_id)["deployment_id"] != env["deployment_id"]
    answer = _ask(client, system, env)
    assert (answer.status_code, answer.json()["error"]) == (409, "stale_deployment")
    assert FRESH not in answer.text
    assert _ask(client, system, _production(client, app_id)).status_code == 200  # its successor gets one


def test_a_stopped_environment_is_409(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    assert client.post(f"/api/environments/{env['id']}/stop", headers=AUTH).status_code == 202
    drain(system)
    answer = _ask(client, system, env)
    assert (answer.status_code, answer.json()["error"]) == (409, "stale_deployment")


def test_once_the_app_is_deleted_there_is_nothing_to_clone(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    assert client.delete(f"/api/apps/{app_id}", headers=AUTH).status_code == 202
    # the app is gone at once; its environment stops when the deletion's events are delivered
    answer = _ask(client, system, env)
    assert answer.json() == {
        "error": "app_deleted",
        "detail": f"the app of {env['id']} was deleted: there is nothing to clone",
    }
    assert answer.status_code == 409
    drain(system)
    assert _ask(client, system, env).json()["error"] == "stale_deployment"


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        (
            GitHubError("GitHub POST /app/installations/1/access_tokens answered 401: Bad credentials"),
            "Bad credentials",
        ),
        (httpx.ConnectError("All connection attempts failed"), "All connection attempts failed"),
    ],
)
def test_a_code_host_that_gives_no_token_is_a_502_naming_why(
    client: TestClient, system: System, app_id: str, monkeypatch: pytest.MonkeyPatch, failure: Exception, said: str
) -> None:
    env = _production(client, app_id)

    def refuse(installation_id: int, repository: str) -> None:
        raise failure

    monkeypatch.setattr(embedded(system)[0], "clone_access", refuse)
    answer = _ask(client, system, env)
    assert (answer.status_code, answer.json()["error"]) == (502, "code_host_unavailable"), answer.text
    assert said in answer.json()["detail"] and "cache-control" not in answer.headers
