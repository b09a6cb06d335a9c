"""The ingress function on the moto server, driven with API Gateway (HTTP API, payload 2.0) events: every
status code of the doors (webhooks, reports, logs, clone access) and the API (the user stop included), the redelivery rule
of webhooks and reports, the size limit, and the secret lookup."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest

from adapters.eventbridge.function.credentials import IngressSecret, IngressSecretError
from adapters.eventbridge.function.routes import MAX_BODY_BYTES, ROUTES
from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.offline.ingress import SAMPLE, Answer, call, http_api_event
from adapters.eventbridge.offline.stack import OfflineStack
from adapters.eventbridge.offline.world import AwsWorld
from adapters.http.api_usage import FORMS
from ports import Environment, RuntimeReport
from ports.codec import to_json
from tests.fixtures import FOLDER, github_body

BODY = github_body("pull_request.opened.json")


@pytest.fixture
def world(offline: OfflineStack) -> AwsWorld:
    return AwsWorld(offline)


def signed(world: AwsWorld, body: bytes, delivery: str = "d-1", event: str = "pull_request") -> dict[str, str]:
    digest = hmac.new(world.ingress.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": f"sha256={digest}"}


def webhook(world: AwsWorld, body: bytes, headers: dict[str, str]) -> Answer:
    return world.request("POST", "/webhooks/github", body=body, headers={"Content-Type": "application/json", **headers})


def test_the_recorded_sample_and_the_harness_copy_are_equal() -> None:
    assert SAMPLE.read_bytes() == (FOLDER / "apigateway" / "http-api-v2.json").read_bytes()


def test_a_signed_webhook_is_accepted_once_its_event_is_on_the_bus(world: AwsWorld) -> None:
    answer = webhook(world, BODY, signed(world, BODY, "delivery-a"))
    assert (answer.status, answer.json()) == (202, {"delivery_id": "delivery-a", "accepted": True})
    assert [e["detail-type"] for e in world.stack.tapped()] == ["PullRequestOpened"]


def test_a_redelivery_is_200_and_has_no_second_effect(world: AwsWorld) -> None:
    assert webhook(world, BODY, signed(world, BODY, "delivery-b")).status == 202
    again = webhook(world, BODY, signed(world, BODY, "delivery-b"))
    assert (again.status, again.json()) == (200, {"delivery_id": "delivery-b", "duplicate": True})
    assert [e["detail-type"] for e in world.stack.tapped()] == ["PullRequestOpened"]


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"X-Hub-Signature-256": "sha256=" + "0" * 64}, 401, "invalid_signature"),
        ({"X-Hub-Signature-256": ""}, 401, "invalid_signature"),
        ({"X-GitHub-Event": ""}, 400, "missing_header"),
        ({"X-GitHub-Delivery": "x" * 101}, 400, "invalid_header"),
    ],
)
def test_refused_webhooks_name_what_was_wrong(world: AwsWorld, change: dict[str, str], status: int, error: str) -> None:
    headers = {k: v for k, v in {**signed(world, BODY), **change}.items() if v}
    answer = webhook(world, BODY, headers)
    assert (answer.status, answer.json()["error"]) == (status, error)
    assert world.stack.tapped() == []


def test_a_signed_body_that_is_not_json_is_400(world: AwsWorld) -> None:
    body = b"not json"
    answer = webhook(world, body, signed(world, body))
    assert (answer.status, answer.json()["error"]) == (400, "malformed_json")


def test_a_body_over_the_limit_is_413_before_it_is_checked(world: AwsWorld) -> None:
    body = b"{" + b" " * MAX_BODY_BYTES + b"}"
    answer = webhook(world, body, signed(world, body))
    assert answer.status == 413
    assert f"{MAX_BODY_BYTES}-byte limit" in answer.json()["detail"]


def report_headers(world: AwsWorld, environment: str, deployment: str, key: str = "k-1") -> dict[str, str]:
    token = world.ingress.tokens.issue(environment, deployment)
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json"}


def test_the_report_and_log_doors_take_the_deployments_token(world: AwsWorld) -> None:
    world.github.set_branch_head("acme/app", "main", "a" * 40, "first")
    world.create_app(owner="o", name="a", repository="acme/app", default_branch="main")
    world.run()
    env = world.environments()[0]
    deployment = str(env.deployment_id)
    report = to_json(RuntimeReport(env.id, deployment, "running"))
    assert (
        world.request("POST", "/runtime/reports", body=report, headers={"Content-Type": "application/json"}).status
        == 401
    )
    stale = to_json(RuntimeReport(env.id, "dep_old", "running"))
    answer = world.request("POST", "/runtime/reports", body=stale, headers=report_headers(world, env.id, "dep_old"))
    assert (answer.status, answer.json()["error"]) == (409, "stale_report")
    bad = json.dumps({"environment_id": env.id}).encode()
    assert (
        world.request("POST", "/runtime/reports", body=bad, headers=report_headers(world, env.id, deployment)).status
        == 400
    )
    query = {"environment_id": env.id, "deployment_id": deployment}
    current = world.request("GET", "/runtime/reports", query=query, headers=report_headers(world, env.id, deployment))
    assert (current.status, current.json()["current"]) == (200, True)
    old = {"environment_id": env.id, "deployment_id": "dep_old"}
    assert (
        world.request("GET", "/runtime/reports", query=old, headers=report_headers(world, env.id, "dep_old")).status
        == 409
    )
    lines = {
        "environment_id": env.id,
        "deployment_id": deployment,
        "lines": [{"at": "2026-12-07T00:00:00Z", "stream": "stdout", "text": "hello from the app"}],
    }
    logged = world.request(
        "POST",
        "/runtime/logs",
        body=json.dumps(lines).encode(),
        headers=report_headers(world, env.id, deployment, "l-1"),
    )
    assert logged.status == 202, logged.body
    assert "hello from the app" in world.logs(env.id)


def running_production(world: AwsWorld) -> Environment:
    """An app whose production environment runs, its queues drained."""
    world.github.set_branch_head("acme/app", "main", "a" * 40, "first")
    world.create_app(owner="o", name="a", repository="acme/app", default_branch="main")
    world.run()
    [env] = world.environments()
    assert env.status == "running"
    return env


def log_batch(env: Environment, deployment: str, text: str) -> bytes:
    line = {"at": "2026-12-07T00:00:00Z", "stream": "stdout", "text": text}
    return json.dumps({"environment_id": env.id, "deployment_id": deployment, "lines": [line]}).encode()


def test_the_logs_door_answers_401_400_409_and_202_and_the_api_reads_what_it_stored(world: AwsWorld) -> None:
    env = running_production(world)
    deployment = str(env.deployment_id)
    api = {"Authorization": f"Bearer {world.ingress.api_token}"}

    def post(body: bytes, headers: dict[str, str]) -> Answer:
        return world.request("POST", "/runtime/logs", body=body, headers=headers)

    untokened = post(log_batch(env, deployment, "no token"), {"Content-Type": "application/json"})
    assert (untokened.status, untokened.json()["error"]) == (401, "invalid_token")
    # a token is for one environment and deployment: another deployment's does not open this one's door
    borrowed = post(log_batch(env, deployment, "wrong token"), report_headers(world, env.id, "dep_other"))
    assert (borrowed.status, borrowed.json()["error"]) == (401, "invalid_token")
    for malformed in (b"not json", json.dumps({"environment_id": env.id}).encode()):
        refused = post(malformed, report_headers(world, env.id, deployment))
        assert (refused.status, refused.json()["error"]) == (400, "malformed_logs"), malformed
    stale = post(log_batch(env, "dep_old", "from a retired deployment"), report_headers(world, env.id, "dep_old"))
    assert (stale.status, stale.json()["error"]) == (409, "stale_logs")
    assert world.stack.tapped() == [], "nothing refused reaches the bus"
    stored = post(log_batch(env, deployment, "hello from the app"), report_headers(world, env.id, deployment, "l-1"))
    assert (stored.status, stored.json()) == (202, {"batch_id": "l-1", "accepted": True})
    world.run()
    read = world.request("GET", f"/api/environments/{env.id}/logs", headers=api)
    assert read.status == 200 and read.json()["environment_id"] == env.id
    logged = read.json()["logs"]
    assert "hello from the app" in logged
    assert not any(text in logged for text in ("no token", "wrong token", "from a retired deployment"))


def ask_clone_access(world: AwsWorld, env: Environment, deployment: str, token_of: str | None = None) -> Answer:
    """`POST /runtime/clone-access` for `deployment`, with the token of `token_of` (default: the same one)."""
    body = json.dumps({"environment_id": env.id, "deployment_id": deployment}).encode()
    headers = report_headers(world, env.id, token_of or deployment)
    return world.request("POST", "/runtime/clone-access", body=body, headers=headers)


def test_the_clone_access_door_gives_the_current_deployment_a_fresh_token_and_nobody_else(world: AwsWorld) -> None:
    env = running_production(world)
    deployment = str(env.deployment_id)
    asked_before = len(world.github.called("installation_token"))
    answer = ask_clone_access(world, env, deployment)
    assert (answer.status, answer.json()) == (
        200,
        {"url": "https://github.com/acme/app.git", "username": "x-access-token", "token": "ghs_sim_1"},
    )
    assert answer.headers["cache-control"] == "no-store"
    assert len(world.github.called("installation_token")) == asked_before + 1  # from GitHub now, not remembered
    ids = json.dumps({"environment_id": env.id, "deployment_id": deployment}).encode()
    assert world.request("POST", "/runtime/clone-access", body=ids).status == 401
    borrowed = ask_clone_access(world, env, deployment, token_of="dep_other")
    assert (borrowed.status, borrowed.json()["error"]) == (401, "invalid_token")
    stale = ask_clone_access(world, env, "dep_old")
    assert (stale.status, stale.json()["error"]) == (409, "stale_deployment")
    malformed = world.request("POST", "/runtime/clone-access", body=b"{}", headers=report_headers(world, env.id, "x"))
    assert (malformed.status, malformed.json()["error"]) == (400, "malformed_request")
    assert not any(b"ghs_sim_1" in refused.body for refused in (borrowed, stale, malformed))


def test_the_clone_access_door_asks_the_apps_own_code_host_and_refuses_once_the_app_is_gone(world: AwsWorld) -> None:
    world.gitlab.set_branch_head("group/app", "main", "c" * 40, "first")
    app = world.create_app(owner="o", name="g", repository="group/app", default_branch="main", provider="gitlab")
    world.run()
    [env] = world.environments(app.id)
    answer = ask_clone_access(world, env, str(env.deployment_id))
    assert (answer.status, answer.json()) == (
        200,
        {"url": "https://gitlab.com/group/app.git", "username": "oauth2", "token": "glpat-sim"},
    )
    world.delete_app(app.id)  # the app is gone at once; its environment stops once the deletion is delivered
    gone = ask_clone_access(world, env, str(env.deployment_id))
    assert (gone.status, gone.json()["error"]) == (409, "app_deleted")
    assert "glpat-sim" not in gone.body.decode()


def test_a_duplicate_report_is_200_and_has_no_second_effect(world: AwsWorld) -> None:
    env = running_production(world)
    world.stack.tapped()  # what the setup published
    report = to_json(RuntimeReport(env.id, str(env.deployment_id), "running"))
    headers = report_headers(world, env.id, str(env.deployment_id), "rep-dup")
    first = world.request("POST", "/runtime/reports", body=report, headers=headers)
    assert (first.status, first.json()) == (202, {"report_id": "rep-dup", "accepted": True})
    published = world.stack.tapped()
    assert published, "the first report's events are on the bus before its 202"
    again = world.request("POST", "/runtime/reports", body=report, headers=headers)
    assert (again.status, again.json()) == (200, {"report_id": "rep-dup", "accepted": False})
    assert world.stack.tapped() == [], "the same Idempotency-Key publishes nothing a second time"


def test_a_user_stop_is_202_then_the_environment_ends_stopped_and_a_second_stop_is_409(world: AwsWorld) -> None:
    env = running_production(world)
    api = {"Authorization": f"Bearer {world.ingress.api_token}"}
    stop = f"/api/environments/{env.id}/stop"
    assert world.request("POST", stop).status == 401
    asked = world.request("POST", stop, headers=api)
    assert (asked.status, asked.json()) == (202, {"environment_id": env.id, "stop": "requested"})
    world.run()
    assert world.environment(env.id).status == "stopped"
    [stopped] = world.events("EnvironmentStopped")
    assert stopped.detail["reason"] == "manual"
    again = world.request("POST", stop, headers=api)
    assert (again.status, again.json()["error"]) == (409, "stop_refused")
    unknown = world.request("POST", "/api/environments/env_nope/stop", headers=api)
    assert unknown.status == 404
    assert world.dead_letters() == []


def test_machines_get_the_ingress_urls_and_their_deployments_token(world: AwsWorld) -> None:
    world.github.set_branch_head("acme/app", "main", "a" * 40, "first")
    world.create_app(owner="o", name="a", repository="acme/app", default_branch="main")
    world.run()
    env = world.environments()[0]
    spec: Any = next(spec for app in world.flyio.apps.values() for spec in app.specs.values())
    assert spec.env["WINGCLOUD_REPORT_URL"].endswith("/runtime/reports")
    assert spec.env["WINGCLOUD_LOGS_URL"].endswith("/runtime/logs")
    assert world.ingress.tokens.valid(env.id, str(env.deployment_id), spec.env["WINGCLOUD_REPORT_TOKEN"])


def test_the_api_serves_the_same_routes_and_answers_as_wingcloud_serve(world: AwsWorld) -> None:
    token = {"Authorization": f"Bearer {world.ingress.api_token}"}
    assert world.request("GET", "/api/apps").status == 401
    world.github.set_branch_head("acme/hello", "main", "b" * 40, "first")
    new = {"name": "hello", "repository": "acme/hello", "default_branch": "main", "installation_id": 1}
    created = world.request("POST", "/api/apps", body=json.dumps(new).encode(), headers=token)
    assert created.status == 201, created.body
    invalid = world.request("POST", "/api/apps", body=b'{"name": 1}', headers=token)
    assert (invalid.status, invalid.json()["error"]) == (422, "invalid")
    world.run()
    listed = world.request("GET", "/api/environments", headers=token).json()
    assert [(e["type"], e["status"]) for e in listed] == [("production", "running")]
    assert world.request("GET", "/api/environments/env_nope", headers=token).status == 404
    assert world.request("GET", "/api/dead-letters", headers=token).json() == []
    assert world.request("GET", "/api/events", headers=token).status == 501
    assert world.request("GET", "/api/openapi.json").status == 200


def test_every_route_of_the_http_api_reaches_a_route_of_the_app(world: AwsWorld) -> None:
    for route in ROUTES:
        method, path = route.split(" ", 1)
        method = "GET" if method == "ANY" else method
        answer = world.request(method, path.replace("{proxy+}", "apps"))
        assert answer.status not in (404, 405), (route, answer.status, answer.body)


def test_the_ingress_secret_names_what_is_missing(aws: AwsClients) -> None:
    sm = aws("secretsmanager")
    arn = sm.create_secret(Name="wingcloud/test/partial", SecretString=json.dumps({"api_token": "t"}))["ARN"]
    with pytest.raises(IngressSecretError, match="lacks github_webhook_secret, report_key, gitlab_webhook_token"):
        IngressSecret(sm, arn)()
    with pytest.raises(IngressSecretError, match="cannot read the ingress secret"):
        IngressSecret(sm, "wingcloud/test/absent")()
    with pytest.raises(IngressSecretError, match="not set"):
        IngressSecret(sm, None)()


def test_the_event_has_the_recorded_shape() -> None:
    event = http_api_event("POST", "/webhooks/github", body=b"{}", headers={"X-GitHub-Event": "ping"})
    assert event["version"] == "2.0" and event["routeKey"] == "POST /webhooks/github"
    assert event["headers"]["x-github-event"] == "ping" and event["requestContext"]["http"]["method"] == "POST"
    assert call is not None


def test_the_usage_route_reads_the_usage_table_through_the_ingress(world: AwsWorld) -> None:
    token = {"Authorization": f"Bearer {world.ingress.api_token}"}
    world.github.set_branch_head("acme/hello", "main", "b" * 40, "first")
    new = {"name": "hello", "repository": "acme/hello", "default_branch": "main", "installation_id": 1}
    app_id = world.request("POST", "/api/apps", body=json.dumps(new).encode(), headers=token).json()["id"]
    world.run()
    start = world.now()
    world.advance(timedelta(minutes=90))
    period = {"from": start.date().isoformat(), "to": (start.date() + timedelta(days=1)).isoformat()}
    answer = world.request("GET", f"/api/apps/{app_id}/usage", headers=token, query=period)
    assert answer.status == 200, answer.body
    assert answer.json()["totals"] == {"running_seconds": 5400.0, "production_seconds": 5400.0, "preview_seconds": 0.0}
    refused = world.request("GET", f"/api/apps/{app_id}/usage", headers=token, query={"from": period["from"]})
    assert (refused.status, refused.json()["detail"]) == (400, "to is required: " + FORMS)
