"""POST /webhooks/github: signature, headers, size, duplicates, and durability before the 202."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from adapters.github.webhooks import SignatureError, sign, verify_signature
from adapters.local.server import create_app
from adapters.local.system import System
from adapters.settings import LocalSettings
from tests.adapters.local.conftest import AUTH, SECRET, TOKEN, drain, embedded, fixture_body, pull_request, signed
from wingcloud.outside import local_system


def test_githubs_test_vector_verifies() -> None:
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign("It's a Secret to Everybody", b"Hello, World!") == expected
    verify_signature("It's a Secret to Everybody", b"Hello, World!", expected)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("sha1=757107ea0eb2509fc211221cce984b8a37570b6d", "must start with 'sha256='"),
        ("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18", "does not match"),
        ("sha256=zz", "does not match"),
    ],
)
def test_a_bad_signature_is_refused_with_the_reason(header: str | None, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify_signature("It's a Secret to Everybody", b"Hello, World!", header)


def test_the_signature_covers_the_exact_bytes() -> None:
    with pytest.raises(SignatureError):
        verify_signature(
            "It's a Secret to Everybody", b"Hello, World! ", sign("It's a Secret to Everybody", b"Hello, World!")
        )


def test_a_signed_delivery_is_stored_before_the_202(client: TestClient, system: System) -> None:
    body = fixture_body("pull_request.opened.json")
    response = client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1"))
    assert response.status_code == 202
    assert response.json() == {"delivery_id": "d-1", "accepted": True}
    # Nothing was processed yet (the worker is not running): the delivery is on disk, seen by another connection.
    with sqlite3.connect(system.db.path.with_name("inbox.sqlite3")) as other:
        assert other.execute("SELECT kind, name, body FROM arrivals WHERE id = 'webhook:d-1'").fetchone() == (
            "webhook",
            "pull_request",
            body,
        )
    assert client.get("/healthz").json()["pending_deliveries"] == 1
    system.worker.run_once()  # takes it into the main database (and delivers it)
    with sqlite3.connect(system.db.path) as other:
        assert other.execute("SELECT COUNT(*) FROM deliveries WHERE ref = 'webhook:d-1'").fetchone() == (1,)


def test_a_webhook_opens_a_preview_that_reaches_running(client: TestClient, system: System, app_id: str) -> None:
    body = fixture_body("pull_request.opened.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1")).status_code == 202
    drain(system)
    previews = [
        e for e in client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json() if e["type"] == "preview"
    ]
    assert [(e["pr_number"], e["branch"], e["status"]) for e in previews] == [(2, "changes", "running")]
    assert previews[0]["url"].startswith("https://wc-env-")


def test_a_redelivery_is_acknowledged_with_no_second_effect(client: TestClient, system: System, app_id: str) -> None:
    body = fixture_body("pull_request.opened.json")
    first = client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "same-id"))
    again = client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "same-id"))
    drain(system)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == {"delivery_id": "same-id", "duplicate": True}
    events = client.get("/api/events", headers=AUTH).json()
    assert [e["detail_type"] for e in events].count("PullRequestOpened") == 1
    assert (
        len([e for e in client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json() if e["type"] == "preview"])
        == 1
    )


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64])
def test_a_missing_or_wrong_signature_is_401(client: TestClient, system: System, signature: str | None) -> None:
    body = fixture_body("pull_request.opened.json")
    headers = signed(body, "pull_request", "d-1")
    headers.pop("X-Hub-Signature-256")
    if signature:
        headers["X-Hub-Signature-256"] = signature
    response = client.post("/webhooks/github", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"
    with sqlite3.connect(system.db.path.with_name("inbox.sqlite3")) as other:
        assert other.execute("SELECT COUNT(*) FROM arrivals").fetchone() == (0,)


def test_a_body_signed_with_another_secret_is_401(client: TestClient) -> None:
    body = fixture_body("ping.json")
    response = client.post("/webhooks/github", content=body, headers=signed(body, "ping", "d-1", secret="other"))
    assert response.status_code == 401


@pytest.mark.parametrize("missing", ["X-GitHub-Event", "X-GitHub-Delivery"])
def test_a_missing_delivery_header_is_400(client: TestClient, missing: str) -> None:
    body = fixture_body("ping.json")
    headers = signed(body, "ping", "d-1")
    headers.pop(missing)
    response = client.post("/webhooks/github", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json() == {"error": "missing_header", "detail": f"missing header(s): {missing}"}


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_a_signed_body_that_is_not_a_json_object_is_400(client: TestClient, body: bytes) -> None:
    response = client.post("/webhooks/github", content=body, headers=signed(body, "push", "d-1"))
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"


def test_a_body_over_the_limit_is_413(client: TestClient, system: System) -> None:
    body = b'{"pad": "' + b"x" * system.settings.max_webhook_bytes + b'"}'
    response = client.post("/webhooks/github", content=body, headers=signed(body, "push", "d-big"))
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_a_chunked_body_over_the_limit_is_413(client: TestClient, system: System) -> None:
    chunk = b"x" * 8192

    def chunks() -> Iterator[bytes]:
        for _ in range(system.settings.max_webhook_bytes // len(chunk) + 2):
            yield chunk

    response = client.post("/webhooks/github", content=chunks(), headers={"X-GitHub-Event": "push"})
    assert response.status_code == 413


def test_a_chunked_body_within_the_limit_is_stored_whole(client: TestClient, system: System) -> None:
    body = fixture_body("pull_request.opened.json")
    pieces = [body[i : i + 4096] for i in range(0, len(body), 4096)]
    assert len(pieces) > 1
    headers = signed(body, "pull_request", "d-chunked")
    response = client.post("/webhooks/github", content=iter(pieces), headers=headers)
    assert response.status_code == 202
    assert system.inbox.arrival("webhook:d-chunked").body == body


def test_an_ignored_event_is_acknowledged_and_recorded_as_ignored(client: TestClient, system: System) -> None:
    body = fixture_body("ping.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "ping", "d-ping")).status_code == 202
    drain(system)
    [event] = client.get("/api/events", headers=AUTH).json()
    assert (event["detail_type"], event["correlation_id"], event["detail"]["github_event"]) == (
        "WebhookIgnored",
        "d-ping",
        "ping",
    )


def test_a_delivery_without_installation_is_refused_at_the_door_with_the_reason(
    client: TestClient, system: System
) -> None:
    payload = json.loads(fixture_body("pull_request.opened.json"))
    del payload["installation"]
    body = json.dumps(payload).encode()
    response = client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-noinst"))
    # refused at the door, not accepted and dead-lettered later: it can never become an event
    assert (response.status_code, response.json()["error"]) == (400, "rejected_delivery")
    assert "has no installation.id" in response.json()["detail"]
    drain(system)
    assert client.get("/api/dead-letters", headers=AUTH).json() == []
    with sqlite3.connect(system.db.path.with_name("inbox.sqlite3")) as other:
        assert other.execute("SELECT COUNT(*) FROM arrivals").fetchone() == (0,)


def test_distinct_pull_requests_open_distinct_previews(client: TestClient, system: System, app_id: str) -> None:
    for n in (10, 11, 12):
        body = pull_request(number=n, branch=f"feature-{n}")
        assert (
            client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", f"d-{n}")).status_code
            == 202
        )
    drain(system)
    previews = [
        e for e in client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json() if e["type"] == "preview"
    ]
    assert sorted((e["pr_number"], e["status"]) for e in previews) == [
        (10, "running"),
        (11, "running"),
        (12, "running"),
    ]


def test_no_202_when_the_commit_fails(system: System, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(arrivals: object) -> list[bool]:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(system.inbox, "_store", disk_full)
    body = fixture_body("pull_request.opened.json")
    with TestClient(create_app(system, background=False), raise_server_exceptions=False) as failing:
        response = failing.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-lost"))
    assert response.status_code == 500
    answer = response.json()
    assert answer["error"] == "internal_error"
    assert re.fullmatch(
        r"the webhook was not stored: internal error err_[0-9a-f]{12}: the server's log has the details",
        answer["detail"],
    )
    assert "disk is full" not in response.text  # the exception's text stays in the server's log
    with sqlite3.connect(system.db.path.with_name("inbox.sqlite3")) as other:
        assert other.execute("SELECT COUNT(*) FROM arrivals").fetchone() == (0,)


def test_a_webhook_during_shutdown_is_503_and_not_stored(client: TestClient, system: System) -> None:
    system.inbox.stop()
    body = fixture_body("pull_request.opened.json")
    response = client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-late"))
    assert (response.status_code, response.json()["error"]) == (503, "unavailable")
    with sqlite3.connect(system.db.path.with_name("inbox.sqlite3")) as other:
        assert other.execute("SELECT COUNT(*) FROM arrivals").fetchone() == (0,)


def test_the_default_limit_is_githubs_25_mb(tmp_path: Path) -> None:
    settings = LocalSettings(github_webhook_secret=SecretStr(SECRET), api_token=SecretStr(TOKEN))
    assert settings.max_webhook_bytes == 25 * 1024 * 1024
    system = local_system(settings, tmp_path / "data", "http://testserver")
    at_limit = b"x" * settings.max_webhook_bytes  # not JSON: refused for that, so the size check let it through
    over = at_limit + b"x"
    with TestClient(create_app(system, background=False)) as client:
        accepted_size = client.post("/webhooks/github", content=at_limit, headers=signed(at_limit, "push", "d-25"))
        too_big = client.post("/webhooks/github", content=over, headers=signed(over, "push", "d-25+1"))
    assert (accepted_size.status_code, accepted_size.json()["error"]) == (400, "malformed_json")
    assert (too_big.status_code, too_big.json()["error"]) == (413, "payload_too_large")


def test_webhooks_are_acknowledged_while_a_handler_waits_on_an_outside_call(
    client: TestClient, system: System, app_id: str
) -> None:
    """The worker holds the main database's write lock while a handler calls GitHub or fly.io; a slow call there
    must not hold up the 202s (GitHub gives a delivery 10 s)."""
    fake = embedded(system)[0]
    original = fake.upsert_pull_request_comment
    inside, release = threading.Event(), threading.Event()
    released: list[bool] = []

    def slow(*args: object, **kwargs: object) -> object:
        inside.set()
        released.append(release.wait(30))  # False only if nobody released it: the test failed
        return original(*args, **kwargs)  # type: ignore[arg-type]

    fake.upsert_pull_request_comment = slow  # type: ignore[method-assign,assignment]
    first = pull_request(number=20, branch="feature-20")
    assert (
        client.post("/webhooks/github", content=first, headers=signed(first, "pull_request", "d-20")).status_code == 202
    )
    worker = threading.Thread(target=drain, args=(system,))
    worker.start()
    try:
        assert inside.wait(30), "the handler never called GitHub"
        second = pull_request(number=21, branch="feature-21")
        response = client.post("/webhooks/github", content=second, headers=signed(second, "pull_request", "d-21"))
        assert (response.status_code, release.is_set()) == (202, False)
    finally:
        release.set()
        worker.join(60)
    assert released and all(released)
    drain(system)
    previews = [
        e for e in client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json() if e["type"] == "preview"
    ]
    assert sorted((e["pr_number"], e["status"]) for e in previews) == [(20, "running"), (21, "running")]


def test_pruned_bodies_still_make_a_redelivery_a_duplicate(client: TestClient, system: System, app_id: str) -> None:
    body = pull_request(number=30, branch="feature-30")
    assert (
        client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-30")).status_code == 202
    )
    system.settings.inbox_retention_days = 7
    assert system.prune_inbox() == 0  # done or not, nothing is a week old
    drain(system)
    system.settings.inbox_retention_days = 0
    assert system.prune_inbox() >= 2  # the webhook and the runtime's reports
    with pytest.raises(LookupError, match="was pruned"):
        system.inbox.arrival("webhook:d-30")
    again = client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-30"))
    assert (again.status_code, again.json()) == (200, {"delivery_id": "d-30", "duplicate": True})


def test_a_report_and_a_webhook_with_the_same_id_are_both_kept(client: TestClient, system: System, app_id: str) -> None:
    """Webhook delivery ids and report idempotency keys are separate spaces: a report sent with key K does not
    make a later webhook K a duplicate (it once did, and the webhook never ran)."""
    [env] = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    report = {"environment_id": env["id"], "deployment_id": env["deployment_id"], "status": "running"}
    token = system.tokens.issue(env["id"], env["deployment_id"])
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "shared-id-1"}
    assert client.post("/runtime/reports", json=report, headers=headers).status_code in (200, 202)
    body = pull_request(number=77, branch="same-id")
    response = client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "shared-id-1"))
    assert response.status_code == 202 and response.json() == {"delivery_id": "shared-id-1", "accepted": True}
    drain(system)
    previews = [e for e in client.get("/api/environments", headers=AUTH).json() if e["pr_number"] == 77]
    assert len(previews) == 1


def test_a_pull_request_number_storage_cannot_hold_is_refused_at_the_door(client: TestClient, system: System) -> None:
    """It was accepted (202), then failed in the worker on every retry (SQLite INTEGER overflow) and
    dead-lettered: the contract bounds it now, so the door refuses what can never succeed."""
    body = pull_request(number=2**63)
    response = client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-2-63"))
    assert response.status_code == 400
    assert response.json()["error"] == "rejected_delivery"
    assert "pr_number: Input should be less than or equal to 9223372036854775807" in response.json()["detail"]
    assert client.get("/healthz").json()["pending_deliveries"] == 0


def test_an_installation_id_storage_cannot_hold_is_a_422_naming_the_field(client: TestClient) -> None:
    app = {"name": "big", "repository": "acme/big", "default_branch": "main", "installation_id": 2**64}
    response = client.post("/api/apps", json=app, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "body.installation_id"
