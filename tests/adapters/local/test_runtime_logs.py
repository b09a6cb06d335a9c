"""POST /runtime/logs (a deployment's log lines) and GET /runtime/reports (is it still current?): the doors a
runtime agent streams to and asks, with the deployment's token."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from adapters.local.system import System
from tests.adapters.local.conftest import AUTH, drain


def _production(client: TestClient, app_id: str) -> dict[str, Any]:
    [env] = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    return dict(env)


def _auth(system: System, env: dict[str, Any], **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.tokens.issue(env['id'], env['deployment_id'])}", **more}


def _batch(env: dict[str, Any], *texts: str, stream: str = "app") -> dict[str, Any]:
    lines = [{"at": "2026-12-07T10:00:00+00:00", "stream": stream, "text": text} for text in texts]
    return {"environment_id": env["id"], "deployment_id": env["deployment_id"], "lines": lines}


def _logs(client: TestClient, env: dict[str, Any]) -> str:
    return str(client.get(f"/api/environments/{env['id']}/logs", headers=AUTH).json()["logs"])


def test_lines_of_the_current_deployment_join_its_log_once(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    body = _batch(env, "GET / 200", "serving hello")
    headers = _auth(system, env, **{"Idempotency-Key": "dep-batch-1"})
    assert client.post("/runtime/logs", json=body, headers=headers).status_code == 202
    assert client.post("/runtime/logs", json=body, headers=headers).status_code == 200  # resent: a duplicate
    drain(system)
    logs = _logs(client, env)
    assert "2026-12-07T10:00:00+00:00 [app] GET / 200\n2026-12-07T10:00:00+00:00 [app] serving hello\n" in logs
    assert logs.count("serving hello") == 1


def test_log_lines_need_the_deployments_token(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    assert client.post("/runtime/logs", json=_batch(env, "x")).status_code == 401
    assert client.post("/runtime/logs", json=_batch(env, "x"), headers=AUTH).status_code == 401  # not the API's


def test_a_malformed_batch_is_400_naming_the_field(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    body = {"environment_id": env["id"], "deployment_id": env["deployment_id"], "lines": [{"at": "now"}]}
    response = client.post("/runtime/logs", json=body, headers=_auth(system, env))
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_logs"
    assert "lines.0.stream" in response.json()["detail"]


def test_an_old_deployment_is_told_409_by_both_doors(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    ask = {"environment_id": env["id"], "deployment_id": env["deployment_id"]}
    assert client.get("/runtime/reports", params=ask, headers=_auth(system, env)).json()["current"] is True
    assert client.post(f"/api/environments/{env['id']}/redeploy", headers=AUTH).status_code == 202
    drain(system)
    assert client.get("/runtime/reports", params=ask, headers=_auth(system, env)).status_code == 409
    response = client.post("/runtime/logs", json=_batch(env, "late line"), headers=_auth(system, env))
    assert response.status_code == 409
    assert response.json()["error"] == "stale_logs"
    drain(system)
    assert "late line" not in _logs(client, env)


def test_asking_whether_current_needs_the_token(client: TestClient, app_id: str) -> None:
    env = _production(client, app_id)
    ask = {"environment_id": env["id"], "deployment_id": env["deployment_id"]}
    assert client.get("/runtime/reports", params=ask).status_code == 401
