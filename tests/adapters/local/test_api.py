"""The REST API: auth, apps, environments, redeploy, logs, secrets, dead letters and redrive, traces, health."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from adapters.local.system import System
from tests.adapters.local.conftest import AUTH, drain, embedded, fixture_body, signed

APP = {
    "name": "hello",
    "repository": "Codertocat/Hello-World",
    "default_branch": "master",
    "entrypoint": "main.w",
    "installation_id": 1,
}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/apps"),
        ("POST", "/api/apps"),
        ("DELETE", "/api/apps/app_1"),
        ("PATCH", "/api/apps/app_1"),
        ("GET", "/api/apps/app_1/environments"),
        ("POST", "/api/environments/env_1/redeploy"),
        ("GET", "/api/environments/env_1/logs"),
        ("GET", "/api/apps/app_1/secrets"),
        ("POST", "/api/apps/app_1/secrets"),
        ("DELETE", "/api/apps/app_1/secrets"),
        ("GET", "/api/dead-letters"),
        ("POST", "/api/dead-letters/x/redrive"),
        ("GET", "/api/trace/x"),
        ("GET", "/api/events"),
        ("GET", "/api/stream"),
    ],
)
def test_every_api_route_wants_the_bearer_token(client: TestClient, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dGVzdA=="}):
        response = client.request(method, path, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"


def test_creating_an_app_returns_it_and_opens_production(client: TestClient, system: System) -> None:
    response = client.post("/api/apps", json=APP, headers=AUTH)
    assert response.status_code == 201
    app = response.json()
    assert {k: app[k] for k in APP} == APP and app["id"].startswith("app_")
    assert client.get("/api/apps", headers=AUTH).json() == [app]
    drain(system)
    [env] = client.get(f"/api/apps/{app['id']}/environments", headers=AUTH).json()
    assert (env["type"], env["branch"], env["status"], env["pr_number"]) == ("production", "master", "running", None)
    assert env["deployment_id"].startswith("dep_") and env["url"]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"name": "bad name"}, "name"), ({"repository": "nope"}, "repository"), ({"entrypoint": "main.py"}, "entrypoint")],
)
def test_an_invalid_app_is_422_naming_the_field(client: TestClient, change: dict[str, str], field: str) -> None:
    response = client.post("/api/apps", json={**APP, **change}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}:")


def test_a_missing_field_is_422_and_bad_json_400(client: TestClient) -> None:
    assert client.post("/api/apps", json={"name": "x"}, headers=AUTH).status_code == 422
    response = client.post("/api/apps", content=b"{", headers=AUTH)
    assert (response.status_code, response.json()["error"]) == (400, "malformed_json")


def test_changing_the_entrypoint_redeploys(client: TestClient, system: System, app_id: str) -> None:
    [before] = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    response = client.patch(f"/api/apps/{app_id}", json={"entrypoint": "src/main.w"}, headers=AUTH)
    assert response.status_code == 200 and response.json()["entrypoint"] == "src/main.w"
    drain(system)
    [after] = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    assert after["deployment_id"] != before["deployment_id"] and after["status"] == "running"


def test_deleting_an_app_stops_its_environments(client: TestClient, system: System, app_id: str) -> None:
    assert client.delete(f"/api/apps/{app_id}", headers=AUTH).status_code == 202
    drain(system)
    assert client.get("/api/apps", headers=AUTH).json() == []
    assert all(e["status"] == "stopped" for e in client.get("/api/environments", headers=AUTH).json())


def test_unknown_apps_and_environments_are_404(client: TestClient) -> None:
    for method, path in [
        ("DELETE", "/api/apps/app_nope"),
        ("GET", "/api/apps/app_nope/environments"),
        ("POST", "/api/environments/env_nope/redeploy"),
        ("GET", "/api/environments/env_nope/logs"),
        ("GET", "/api/apps/app_nope/secrets"),
        ("GET", "/api/trace/nothing-here"),
        ("POST", "/api/dead-letters/dlq_nope/redrive"),
    ]:
        response = client.request(method, path, headers=AUTH, json={"entrypoint": "main.w"})
        assert response.status_code == 404, path
        assert set(response.json()) == {"error", "detail"}


def test_a_redeploy_is_refused_while_deploying(client: TestClient, system: System, app_id: str) -> None:
    [env] = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    assert client.post(f"/api/environments/{env['id']}/redeploy", headers=AUTH).status_code == 202
    while system.worker.run_once():  # deliver the request, but let no runtime report in
        pass
    [env] = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    assert env["status"] == "initializing"
    response = client.post(f"/api/environments/{env['id']}/redeploy", headers=AUTH)
    assert response.status_code == 409
    assert response.json()["error"] == "redeploy_refused"


def test_logs_show_the_current_deployment(client: TestClient, app_id: str) -> None:
    [env] = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    logs = client.get(f"/api/environments/{env['id']}/logs", headers=AUTH).json()["logs"]
    assert env["deployment_id"] in logs and "running" in logs


def test_secrets_are_listed_masked_and_never_returned(client: TestClient, system: System, app_id: str) -> None:
    secret = {"environment_type": "production", "name": "API_KEY", "value": "s3cr3t-value"}
    assert client.post(f"/api/apps/{app_id}/secrets", json=secret, headers=AUTH).status_code == 201
    listed = client.get(f"/api/apps/{app_id}/secrets", headers=AUTH)
    assert [(s["name"], s["environment_type"]) for s in listed.json()] == [("API_KEY", "production")]
    assert "s3cr3t-value" not in listed.text
    drain(system)
    assert "s3cr3t-value" not in client.get("/api/events?limit=1000", headers=AUTH).text
    with open(system.db.path, "rb") as raw:
        assert b"s3cr3t-value" not in raw.read()
    gone = client.request(
        "DELETE",
        f"/api/apps/{app_id}/secrets",
        json={"environment_type": "production", "name": "API_KEY"},
        headers=AUTH,
    )
    assert gone.status_code == 200
    again = client.request(
        "DELETE", f"/api/apps/{app_id}/secrets?environment_type=production&name=API_KEY", headers=AUTH
    )
    assert again.status_code == 404


def test_an_invalid_secret_name_is_422(client: TestClient, app_id: str) -> None:
    response = client.post(
        f"/api/apps/{app_id}/secrets",
        json={"environment_type": "production", "name": "bad-name", "value": "v"},
        headers=AUTH,
    )
    assert response.status_code == 422


def test_a_failing_handler_dead_letters_and_a_redrive_delivers_it(
    client: TestClient, system: System, app_id: str
) -> None:
    fake = embedded(system)[0]
    assert fake is not None
    original = fake.upsert_pull_request_comment

    def down(*args: object, **kwargs: object) -> object:
        raise ConnectionError("GitHub is down")

    fake.upsert_pull_request_comment = down  # type: ignore[method-assign,assignment]
    body = fixture_body("pull_request.opened.json")
    client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1"))
    drain(system)
    letters = client.get("/api/dead-letters", headers=AUTH).json()
    assert letters and {d["error_code"] for d in letters} == {"ConnectionError"}
    assert {d["exhausted_condition"] for d in letters} == {"MaximumRetryAttempts"}
    fake.upsert_pull_request_comment = original  # type: ignore[method-assign]
    for letter in letters:
        assert client.post(f"/api/dead-letters/{letter['id']}/redrive", headers=AUTH).status_code == 202
    again = client.post(f"/api/dead-letters/{letters[0]['id']}/redrive", headers=AUTH)
    assert again.status_code == 404
    drain(system)
    assert client.get("/api/dead-letters", headers=AUTH).json() == []
    assert len(fake.comments_on("Codertocat/Hello-World", 2)) == 1
    kinds = [r["kind"] for r in client.get("/api/trace/d-1", headers=AUTH).json()["records"]]
    assert "redriven" in kinds and "dead-lettered" in kinds


def test_a_trace_is_the_causal_tree_of_a_delivery(client: TestClient, system: System, app_id: str) -> None:
    body = fixture_body("pull_request.opened.json")
    client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-trace"))
    drain(system)
    trace = client.get("/api/trace/d-trace", headers=AUTH).json()
    [root] = trace["tree"][:1]
    assert root["detail_type"] == "PullRequestOpened" and root["causation_id"] is None
    children = {c["detail_type"] for c in root["children"]}
    assert "EnvironmentCreated" in children or "EnvironmentDeployRequested" in children
    assert trace["records"][0]["kind"] in {"delivered", "published"}


def test_health_and_console(client: TestClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    page = client.get("/")
    assert page.status_code == 200 and "wingcloud console" in page.text
    assert client.get("/static/console/main.js").status_code == 200


def test_unknown_routes_and_methods_answer_json(client: TestClient) -> None:
    assert client.get("/nope").json()["error"] == "not_found"
    response = client.put("/api/apps", headers=AUTH)
    assert (response.status_code, response.json()["error"]) == (405, "method_not_allowed")


def test_the_github_apps_webhook_url_is_set_at_start(client: TestClient, system: System) -> None:
    assert embedded(system)[0].webhook_url == "http://testserver/webhooks/github"


def test_one_app_and_one_environment_can_be_read(client: TestClient, app_id: str) -> None:
    app = client.get(f"/api/apps/{app_id}", headers=AUTH)
    assert app.status_code == 200 and app.json() == client.get("/api/apps", headers=AUTH).json()[0]
    [listed] = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    env = client.get(f"/api/environments/{listed['id']}", headers=AUTH)
    assert env.status_code == 200 and env.json() == listed
    for path in ("/api/apps/app_nope", "/api/environments/env_nope"):
        response = client.get(path, headers=AUTH)
        assert response.status_code == 404 and "nope" in response.json()["detail"]


def test_every_invalid_field_is_reported_at_once_with_what_it_expects(client: TestClient) -> None:
    response = client.post("/api/apps", json={"installation_id": "1", "nmae": "typo"}, headers=AUTH)
    assert response.status_code == 422
    body = response.json()
    problems = {p["field"]: p["expected"] for p in body["problems"]}
    assert problems == {
        "body.name": "required",
        "body.repository": "required",
        "body.default_branch": "required",
        "body.installation_id": "an integer",
        "body.nmae": "no such field (a typo?)",
    }
    assert body["error"] == "invalid" and body["detail"].startswith("5 invalid field(s): body.name: required")


def test_a_body_sent_as_a_form_by_curl_is_read_as_json(client: TestClient) -> None:
    import json

    headers = {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}  # what `curl -d` sends
    response = client.post("/api/apps", content=json.dumps(APP), headers=headers)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("after", ["²", "①", "-1", str(2**63), "1e3"])
def test_query_numbers_are_parsed_strictly(client: TestClient, after: str) -> None:
    assert client.get(f"/api/events?after={after}", headers=AUTH).status_code == 422
    assert client.get(f"/api/stream?after={after}", headers=AUTH).status_code in (400, 422)


def test_an_api_body_over_the_limit_is_413_declared_or_chunked(client: TestClient) -> None:
    """A 200 MB PATCH was once read whole (737 MB peak): the API takes at most 1 MB."""
    big = b'{"entrypoint": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = client.patch("/api/apps/app_x", content=big, headers=AUTH)
    assert response.status_code == 413
    assert response.json() == {"error": "payload_too_large", "detail": "the body exceeds the API's 1048576-byte limit"}

    def chunks():
        for _ in range(40):
            yield b"a" * 65536

    response = client.post("/api/apps", content=chunks(), headers=AUTH)
    assert response.status_code == 413


def test_a_deeply_nested_api_body_is_400(client: TestClient) -> None:
    response = client.post("/api/apps", content=b"[" * 100_000, headers=AUTH)
    assert response.status_code == 400
