"""POST /webhooks/gitlab: the token, the headers, duplicates by Idempotency-Key, and a merge request all the
way to a running preview and its note, on the local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from adapters.gitlab import TokenError, verify_token
from adapters.local.system import System
from adapters.settings import LocalSettings, load_credentials
from sim.embedded import JournaledGitLab
from tests.adapters.local.conftest import AUTH, drain
from tests.fixtures import gitlab_body

GITLAB_TOKEN = "test-gitlab-token"


@pytest.fixture
def settings() -> LocalSettings:
    return LocalSettings(
        github_webhook_secret=SecretStr("test-secret"),
        gitlab_webhook_token=SecretStr(GITLAB_TOKEN),
        api_token=SecretStr("test-token"),
        runtime_step_seconds=0,
        max_webhook_bytes=64 * 1024,
    )


def hook(
    event: str = "Merge Request Hook", key: str | None = "idem-1", token: str | None = GITLAB_TOKEN
) -> dict[str, str]:
    headers = {"X-Gitlab-Event": event, "X-Gitlab-Event-UUID": "uuid-1", "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    if token is not None:
        headers["X-Gitlab-Token"] = token
    return headers


def test_the_token_is_compared_whole_and_a_missing_one_is_named() -> None:
    verify_token("s3cret", "s3cret")
    with pytest.raises(TokenError, match="the X-Gitlab-Token header is missing"):
        verify_token("s3cret", None)
    with pytest.raises(TokenError, match="is not this server's GitLab webhook token"):
        verify_token("s3cret", "s3cre")


@pytest.mark.parametrize(("token", "detail"), [(None, "header is missing"), ("wrong", "is not this server's")])
def test_a_delivery_without_the_servers_token_is_401(client: TestClient, token: str | None, detail: str) -> None:
    response = client.post(
        "/webhooks/gitlab", content=gitlab_body("merge_request.open.json"), headers=hook(token=token)
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    assert detail in response.json()["detail"]


def test_a_delivery_is_stored_under_its_idempotency_key_and_a_retry_is_a_duplicate(
    client: TestClient, system: System
) -> None:
    body = gitlab_body("merge_request.open.json")
    first = client.post("/webhooks/gitlab", content=body, headers=hook(key="idem-7"))
    again = client.post("/webhooks/gitlab", content=body, headers=hook(key="idem-7"))
    assert (first.status_code, first.json()) == (202, {"delivery_id": "idem-7", "accepted": True})
    assert (again.status_code, again.json()) == (200, {"delivery_id": "idem-7", "duplicate": True})


def test_without_an_idempotency_key_the_event_uuid_is_the_delivery_id(client: TestClient) -> None:
    response = client.post("/webhooks/gitlab", content=gitlab_body("push.json"), headers=hook("Push Hook", key=None))
    assert response.status_code == 202 and response.json()["delivery_id"] == "uuid-1"


@pytest.mark.parametrize(
    ("headers", "body", "status", "error"),
    [
        ({"X-Gitlab-Token": GITLAB_TOKEN, "Idempotency-Key": "k"}, b"{}", 400, "missing_header"),
        ({"X-Gitlab-Token": GITLAB_TOKEN, "X-Gitlab-Event": "Push Hook"}, b"{}", 400, "missing_header"),
        (hook(), b"{not json", 400, "malformed_json"),
        (
            hook(),
            b'{"object_kind": "merge_request", "object_attributes": {"action": "open"}}',
            400,
            "rejected_delivery",
        ),
    ],
)
def test_what_can_never_be_an_event_is_refused_at_the_door(
    client: TestClient, headers: dict[str, str], body: bytes, status: int, error: str
) -> None:
    response = client.post("/webhooks/gitlab", content=body, headers=headers)
    assert (response.status_code, response.json()["error"]) == (status, error), response.text


def test_a_merge_request_gets_a_running_preview_and_a_note(client: TestClient, system: System) -> None:
    app = {
        "name": "hello",
        "provider": "gitlab",
        "repository": "gitlabhq/gitlab-test",
        "default_branch": "master",
        "installation_id": 1,
    }
    created = client.post("/api/apps", json=app, headers=AUTH)
    assert created.status_code == 201 and created.json()["provider"] == "gitlab", created.text
    drain(system)
    response = client.post("/webhooks/gitlab", content=gitlab_body("merge_request.open.json"), headers=hook())
    assert response.status_code == 202
    drain(system)
    [preview] = [e for e in client.get("/api/environments", headers=AUTH).json() if e["type"] == "preview"]
    assert (preview["status"], preview["provider"], preview["pr_number"]) == ("running", "gitlab", 1)
    gitlab = system.outside.gitlab
    assert isinstance(gitlab, JournaledGitLab)
    [note] = gitlab.fake.notes_on("gitlabhq/gitlab-test", 1)
    assert "running ✅" in note.body and preview["id"] in note.body


def test_an_app_may_name_only_a_provider_the_server_knows(client: TestClient) -> None:
    body = {"name": "x", "provider": "bitbucket", "repository": "a/b", "default_branch": "main", "installation_id": 1}
    response = client.post("/api/apps", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert "provider: 'bitbucket' is not one of github, gitlab" in response.text


def test_the_gitlab_webhook_token_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_credentials(LocalSettings(), tmp_path)
    again = load_credentials(LocalSettings(), tmp_path)
    assert "gitlab_webhook_token" in first.generated and len(first.gitlab_webhook_token) >= 32
    assert again.gitlab_webhook_token == first.gitlab_webhook_token and again.generated == ()
    chosen = load_credentials(LocalSettings(gitlab_webhook_token=SecretStr("mine")), tmp_path)
    assert chosen.gitlab_webhook_token == "mine"
