"""The OpenAPI document at /api/openapi.json describes every /api route, and every real answer of every route
matches the schema the document gives for its status code; every documented operation is exercised."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from starlette.testclient import TestClient

from adapters.local.system import System
from tests.adapters.local.conftest import AUTH, drain, fixture_body, signed


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/openapi.json")  # public: documentation needs no token
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


def _check(document: dict[str, Any], method: str, template: str, response: Any) -> None:
    operation = document["paths"][template][method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {template} answered {response.status_code}, which is not documented"
    schema = documented["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), {**schema, "components": document["components"]})


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}


def test_every_api_route_is_documented_with_bearer_auth(client: TestClient, document: dict[str, Any]) -> None:
    from adapters.http.api import router
    from adapters.local.console_actions import ACTIONS
    from adapters.local.console_api import CONSOLE

    def routes(of: Any, prefix: str = "") -> set[tuple[str, str]]:
        found = set()
        for route in of.routes:
            if hasattr(route, "original_router"):  # an included router: its paths hang under ours
                found |= routes(route.original_router, prefix + router.prefix)
            else:
                found |= {(prefix + route.path, method) for method in route.methods}
        return found

    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    # the shared REST API, and the console's own routes that only the local server has
    assert routes(router) | routes(CONSOLE, "/api") | routes(ACTIONS, "/api") == documented
    assert ("/api/console/reset", "POST") in documented and (
        "/api/environments/{environment_id}/stop",
        "POST",
    ) in documented
    assert ("/api/apps/{app_id}", "GET") in documented and ("/api/environments/{environment_id}", "GET") in documented
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert not any(path.startswith(("/webhooks", "/runtime", "/static")) for path in document["paths"])


def test_every_answer_matches_the_document(client: TestClient, system: System, document: dict[str, Any]) -> None:
    # The console's live streams (GET /api/console/stream, /api/console/logs/...) are server-sent events, plain
    # Starlette routes with no response model: they are not in the document, so they are not checked here.
    exercised: set[tuple[str, str]] = set()

    def check(method: str, template: str, response: Any) -> Any:
        _check(document, method, template, response)
        exercised.add((method, template))
        return response

    app = client.post(
        "/api/apps",
        json={
            "name": "hello",
            "repository": "Codertocat/Hello-World",
            "default_branch": "master",
            "installation_id": 1,
        },
        headers=AUTH,
    )
    check("POST", "/api/apps", app)
    app_id = app.json()["id"]
    body = fixture_body("pull_request.opened.json")
    client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "doc-1"))
    drain(system)
    env_id = client.get("/api/environments", headers=AUTH).json()[0]["id"]
    secret = {"environment_type": "preview", "name": "TOKEN", "value": "v"}
    sample = {"kind": "pull_request.opened", "repository": "Codertocat/Hello-World", "branch": "two", "number": 7}
    calls: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("GET", "/api/apps", "/api/apps", None),
        ("GET", "/api/apps/{app_id}", f"/api/apps/{app_id}", None),
        ("GET", "/api/apps/{app_id}", "/api/apps/app_nope", None),
        ("POST", "/api/apps", "/api/apps", {"name": 1}),
        ("PATCH", "/api/apps/{app_id}", f"/api/apps/{app_id}", {"entrypoint": "src/main.w"}),
        ("GET", "/api/apps/{app_id}/environments", f"/api/apps/{app_id}/environments", None),
        ("GET", "/api/apps/{app_id}/usage", f"/api/apps/{app_id}/usage", None),
        ("GET", "/api/apps/{app_id}/usage", f"/api/apps/{app_id}/usage?from=yesterday", None),
        ("GET", "/api/apps/{app_id}/usage", "/api/apps/app_nope/usage", None),
        ("GET", "/api/environments", "/api/environments", None),
        ("GET", "/api/environments/{environment_id}", f"/api/environments/{env_id}", None),
        ("GET", "/api/environments/{environment_id}/logs", f"/api/environments/{env_id}/logs", None),
        ("POST", "/api/environments/{environment_id}/redeploy", "/api/environments/env_nope/redeploy", None),
        ("POST", "/api/environments/{environment_id}/stop", "/api/environments/env_nope/stop", None),
        ("POST", "/api/apps/{app_id}/secrets", f"/api/apps/{app_id}/secrets", secret),
        ("GET", "/api/apps/{app_id}/secrets", f"/api/apps/{app_id}/secrets", None),
        (
            "DELETE",
            "/api/apps/{app_id}/secrets",
            f"/api/apps/{app_id}/secrets",
            {"environment_type": "preview", "name": "TOKEN"},
        ),
        ("GET", "/api/dead-letters", "/api/dead-letters", None),
        ("POST", "/api/dead-letters/{letter_id}/redrive", "/api/dead-letters/dlq_nope/redrive", None),
        ("GET", "/api/trace/{correlation_id}", "/api/trace/doc-1", None),
        ("GET", "/api/events", "/api/events?after=0&limit=5", None),
        ("GET", "/api/services", "/api/services", None),
        # the console's own routes
        ("GET", "/api/console/map", "/api/console/map", None),
        ("GET", "/api/console/services/{name}", "/api/console/services/environments", None),
        ("GET", "/api/console/services/{name}", "/api/console/services/nope", None),
        ("GET", "/api/console/events", "/api/console/events?limit=5", None),
        ("GET", "/api/console/events", "/api/console/events?limit=0", None),
        ("GET", "/api/console/traces/{correlation_id}", "/api/console/traces/doc-1", None),
        ("GET", "/api/console/traces/{correlation_id}", "/api/console/traces/nope", None),
        ("GET", "/api/console/arrivals/{key}", "/api/console/arrivals/webhook:doc-1", None),
        ("GET", "/api/console/arrivals/{key}", "/api/console/arrivals/webhook:nope", None),
        ("GET", "/api/console/outside", "/api/console/outside?limit=5", None),
        ("GET", "/api/console/messages", "/api/console/messages", None),
        ("POST", "/api/console/publish", "/api/console/publish", {"detail_type": "Nope", "detail": {}}),
        ("POST", "/api/console/webhooks", "/api/console/webhooks", sample),
        ("POST", "/api/console/webhooks", "/api/console/webhooks", {**sample, "kind": "nope"}),
        ("POST", "/api/console/reports", "/api/console/reports", {"environment_id": env_id, "status": "running"}),
        ("POST", "/api/console/reports", "/api/console/reports", {"environment_id": "env_nope", "status": "running"}),
        ("POST", "/api/console/reset", "/api/console/reset", {"confirm": "no"}),
        ("GET", "/api/apps", "/api/apps", None),
    ]
    for method, template, path, payload in calls:
        response = client.request(method, path, headers=AUTH, json=payload)
        check(method, template, response)
    drain(system)
    redeploy = check(
        "POST",
        "/api/environments/{environment_id}/redeploy",
        client.post(f"/api/environments/{env_id}/redeploy", headers=AUTH),
    )
    assert redeploy.status_code == 202
    example = next(m for m in client.get("/api/console/messages", headers=AUTH).json() if m["name"] == "AppDeleted")
    published = client.post(
        "/api/console/publish", json={"detail_type": "AppDeleted", "detail": example["example"]}, headers=AUTH
    )
    assert check("POST", "/api/console/publish", published).status_code == 202, published.json()
    drain(system)
    stop = check(
        "POST", "/api/environments/{environment_id}/stop", client.post(f"/api/environments/{env_id}/stop", headers=AUTH)
    )
    assert stop.status_code == 202, stop.json()
    check("GET", "/api/apps", client.get("/api/apps"))  # 401 is documented too
    check("DELETE", "/api/apps/{app_id}", client.delete(f"/api/apps/{app_id}", headers=AUTH))
    assert (
        check(
            "POST", "/api/console/reset", client.post("/api/console/reset", json={"confirm": "reset"}, headers=AUTH)
        ).status_code
        == 200
    )
    assert exercised == _operations(document), f"not exercised: {sorted(_operations(document) - exercised)}"
