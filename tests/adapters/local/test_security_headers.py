"""What a security review of the HTTP surface checks: every answer refuses sniffing, framing and Referer leaks;
the console page allows no inline script or style; the API token is accepted in the Authorization header only,
never in a URL (where history, proxies and logs keep it)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.adapters.local.conftest import AUTH, fixture_body, signed

EVERY_ANSWER = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


def _secured(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in EVERY_ANSWER.items():
        assert headers.get(name) == value, f"{response.request.url}: {name} is {headers.get(name)!r}"  # type: ignore[attr-defined]


def test_every_kind_of_answer_carries_the_security_headers(client: TestClient) -> None:
    body = fixture_body("pull_request.opened.json")
    answers = [
        client.get("/api/apps", headers=AUTH),  # a JSON route
        client.get("/api/apps"),  # 401 from the bearer check
        client.get("/api/environments/env_nope", headers=AUTH),  # 404 from a route
        client.post("/api/apps", headers=AUTH, json={}),  # 422
        client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1", secret="wrong")),
        client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-2")),  # accepted
        client.post("/runtime/reports", content=b"{}"),  # the report door
        client.get("/"),  # the console page
        client.get("/static/console/main.js"),
        client.get("/api/openapi.json"),
    ]
    assert [a.status_code for a in answers] == [200, 401, 404, 422, 401, 202, 400, 200, 200, 200]
    for answer in answers:
        _secured(answer)


def test_the_console_page_allows_nothing_inline_and_nothing_from_elsewhere(client: TestClient) -> None:
    csp = client.get("/").headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp


@pytest.mark.parametrize("path", ["/api/stream", "/api/console/stream", "/api/console/logs?environment=env_x"])
def test_the_token_is_not_taken_from_a_url(client: TestClient, path: str) -> None:
    token = AUTH["Authorization"].removeprefix("Bearer ")
    separator = "&" if "?" in path else "?"
    answer = client.get(f"{path}{separator}token={token}")
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized"
