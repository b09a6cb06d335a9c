"""POST /runtime/reports: per-deployment tokens (401), malformed reports (400), stale ones (409), current (202)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from adapters.local.system import System
from tests.adapters.local.conftest import AUTH, drain


def _production(client: TestClient, app_id: str) -> dict[str, Any]:
    [env] = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    return dict(env)


def _report(env: dict[str, Any], status: str = "running", **extra: Any) -> dict[str, Any]:
    return {"environment_id": env["id"], "deployment_id": env["deployment_id"], "status": status, **extra}


def _auth(system: System, env_id: str, deployment_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.tokens.issue(env_id, deployment_id)}"}


def test_a_report_with_its_deployments_token_is_accepted(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    report = _report(env, "error", error_message="out of memory")
    response = client.post("/runtime/reports", json=report, headers=_auth(system, env["id"], env["deployment_id"]))
    assert response.status_code == 202
    drain(system)
    after = _production(client, app_id)
    assert (after["status"], after["error_message"]) == ("error", "out of memory")


def test_without_a_token_a_report_is_401(client: TestClient, app_id: str) -> None:
    response = client.post("/runtime/reports", json=_report(_production(client, app_id)))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_a_token_of_another_deployment_is_401(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    response = client.post("/runtime/reports", json=_report(env), headers=_auth(system, env["id"], "dep_other"))
    assert response.status_code == 401


def test_the_api_token_is_not_a_report_token(client: TestClient, app_id: str) -> None:
    response = client.post("/runtime/reports", json=_report(_production(client, app_id)), headers=AUTH)
    assert response.status_code == 401


def test_a_report_of_an_old_deployment_is_409_and_recorded(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    assert client.post(f"/api/environments/{env['id']}/redeploy", headers=AUTH).status_code == 202
    drain(system)
    assert _production(client, app_id)["deployment_id"] != env["deployment_id"]
    response = client.post(
        "/runtime/reports",
        json=_report(env, "error", error_message="late"),
        headers=_auth(system, env["id"], env["deployment_id"]),
    )
    assert response.status_code == 409
    assert response.json()["error"] == "stale_report"
    drain(system)
    assert _production(client, app_id)["status"] == "running"
    rejected = [
        e
        for e in client.get("/api/events?limit=1000", headers=AUTH).json()
        if e["detail_type"] == "EnvironmentReportRejected"
    ]
    assert [(e["detail"]["deployment_id"], e["detail"]["reason"]) for e in rejected] == [
        (env["deployment_id"], "stale-deployment")
    ]


def test_a_report_after_the_environment_stopped_is_409(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    assert client.delete(f"/api/apps/{app_id}", headers=AUTH).status_code == 202
    drain(system)
    response = client.post(
        "/runtime/reports", json=_report(env), headers=_auth(system, env["id"], env["deployment_id"])
    )
    assert response.status_code == 409


def test_an_unknown_status_is_400(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    response = client.post(
        "/runtime/reports", json=_report(env, "exploded"), headers=_auth(system, env["id"], env["deployment_id"])
    )
    assert response.status_code == 400
    assert "exploded" in response.json()["detail"]


def test_a_body_that_is_not_a_report_is_400(client: TestClient) -> None:
    response = client.post("/runtime/reports", content=b"{}", headers={"Authorization": "Bearer x"})
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_report"


def test_the_same_idempotency_key_is_stored_once(client: TestClient, system: System, app_id: str) -> None:
    env = _production(client, app_id)
    headers = {**_auth(system, env["id"], env["deployment_id"]), "Idempotency-Key": "rep-1"}
    first = client.post("/runtime/reports", json=_report(env), headers=headers)
    again = client.post("/runtime/reports", json=_report(env), headers=headers)
    assert (first.status_code, again.status_code) == (202, 200)


def test_an_endpoint_that_is_not_an_http_url_is_refused_at_the_door(client: TestClient, system: System, app_id: str):
    """It was accepted (202) and dead-lettered later; a `javascript:` URL was stored and shown as a link."""
    env = _production(client, app_id)
    for url in ("not a uri", "javascript:alert(1)", "ftp://files.example/"):
        report = _report(env, "running", endpoints=[{"label": "api", "url": url}])
        response = client.post("/runtime/reports", json=report, headers=_auth(system, env["id"], env["deployment_id"]))
        assert response.status_code == 400, url
        assert (
            response.json()["detail"] == "the report is not valid: endpoints.0.url: must be an http:// or https:// URL"
        )
    assert client.get("/healthz").json()["pending_deliveries"] == 0


def test_a_deeply_nested_body_is_400_before_any_token_is_needed(client: TestClient) -> None:
    """It was a 500 (RecursionError) for anyone, without a token."""
    response = client.post("/runtime/reports", content=b"[" * 100_000, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_report"
    assert "recursion limit exceeded" in response.json()["detail"]
