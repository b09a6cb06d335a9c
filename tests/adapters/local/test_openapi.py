"""The OpenAPI document at /api/openapi.json describes every /api route, and every real answer of every route
matches the schema the document gives for its status code."""

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
    _check(document, "POST", "/api/apps", app)
    app_id = app.json()["id"]
    body = fixture_body("pull_request.opened.json")
    client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "doc-1"))
    drain(system)
    env_id = client.get("/api/environments", headers=AUTH).json()[0]["id"]
    secret = {"environment_type": "preview", "name": "TOKEN", "value": "v"}
    calls: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("GET", "/api/apps", "/api/apps", None),
        ("GET", "/api/apps/{app_id}", f"/api/apps/{app_id}", None),
        ("GET", "/api/apps/{app_id}", "/api/apps/app_nope", None),
        ("POST", "/api/apps", "/api/apps", {"name": 1}),
        ("PATCH", "/api/apps/{app_id}", f"/api/apps/{app_id}", {"entrypoint": "src/main.w"}),
        ("GET", "/api/apps/{app_id}/environments", f"/api/apps/{app_id}/environments", None),
        ("GET", "/api/environments", "/api/environments", None),
        ("GET", "/api/environments/{environment_id}", f"/api/environments/{env_id}", None),
        ("GET", "/api/environments/{environment_id}/logs", f"/api/environments/{env_id}/logs", None),
        ("POST", "/api/environments/{environment_id}/redeploy", "/api/environments/env_nope/redeploy", None),
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
        ("GET", "/api/apps", "/api/apps", None),
    ]
    for method, template, path, payload in calls:
        response = client.request(method, path, headers=AUTH, json=payload)
        _check(document, method, template, response)
    drain(system)
    redeploy = client.post(f"/api/environments/{env_id}/redeploy", headers=AUTH)
    _check(document, "POST", "/api/environments/{environment_id}/redeploy", redeploy)
    _check(document, "GET", "/api/apps", client.get("/api/apps"))  # 401 is documented too
    deleted = client.delete(f"/api/apps/{app_id}", headers=AUTH)
    _check(document, "DELETE", "/api/apps/{app_id}", deleted)
