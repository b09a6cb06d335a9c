"""`POST /webhooks/gitlab` on the ingress function (the door of `adapters.http`, as `wingcloud serve` has it),
driven with API Gateway events on the moto server: the token from the ingress secret, GitLab's delivery id,
and an answer only once the event is on the bus."""

from __future__ import annotations

import pytest

from adapters.eventbridge.offline.ingress import Answer
from adapters.eventbridge.offline.stack import OfflineStack
from adapters.eventbridge.offline.world import AwsWorld
from tests.fixtures import gitlab_body

BODY = gitlab_body("merge_request.open.json")


@pytest.fixture
def world(offline: OfflineStack) -> AwsWorld:
    return AwsWorld(offline)


def hook(world: AwsWorld, key: str | None = "idem-1", **change: str | None) -> dict[str, str]:
    headers: dict[str, str | None] = {
        "Content-Type": "application/json",
        "X-Gitlab-Event": "Merge Request Hook",
        "X-Gitlab-Token": world.ingress.gitlab_webhook_token,
        "X-Gitlab-Event-UUID": "uuid-1",
        "Idempotency-Key": key,
        **change,
    }
    return {name: value for name, value in headers.items() if value is not None}


def post(world: AwsWorld, headers: dict[str, str], body: bytes = BODY) -> Answer:
    return world.request("POST", "/webhooks/gitlab", body=body, headers=headers)


def test_a_merge_request_is_accepted_once_its_event_is_on_the_bus_and_a_retry_changes_nothing(world: AwsWorld) -> None:
    answer = post(world, hook(world, "idem-a"))
    assert (answer.status, answer.json()) == (202, {"delivery_id": "idem-a", "accepted": True})
    [event] = world.stack.tapped()
    assert (event["detail-type"], event["source"]) == ("PullRequestOpened", "wingcloud.gitlab")
    assert (event["detail"]["provider"], event["detail"]["repository"]) == ("gitlab", "gitlabhq/gitlab-test")

    again = post(world, hook(world, "idem-a", **{"X-Gitlab-Event-UUID": "uuid-2"}))  # a retry: a new UUID
    assert (again.status, again.json()) == (200, {"delivery_id": "idem-a", "duplicate": True})
    assert world.stack.tapped() == []  # nothing crossed the bus since the first


def test_without_an_idempotency_key_the_event_uuid_is_the_delivery_id(world: AwsWorld) -> None:
    answer = post(world, hook(world, None, **{"X-Gitlab-Event-UUID": "uuid-only"}))
    assert (answer.status, answer.json()["delivery_id"]) == (202, "uuid-only")


@pytest.mark.parametrize(
    ("change", "status", "error", "detail"),
    [
        ({"X-Gitlab-Token": None}, 401, "invalid_token", "the X-Gitlab-Token header is missing"),
        ({"X-Gitlab-Token": "not-the-stacks"}, 401, "invalid_token", "is not this server's GitLab webhook token"),
        ({"X-Gitlab-Event": None}, 400, "missing_header", "X-Gitlab-Event"),
        ({"Idempotency-Key": None, "X-Gitlab-Event-UUID": None}, 400, "missing_header", "X-Gitlab-Event-UUID"),
    ],
)
def test_refused_deliveries_say_what_was_wrong_and_publish_nothing(
    world: AwsWorld, change: dict[str, str | None], status: int, error: str, detail: str
) -> None:
    answer = post(world, hook(world, **change))
    assert (answer.status, answer.json()["error"]) == (status, error)
    assert detail in answer.json()["detail"]
    assert world.stack.tapped() == []


def test_a_body_that_can_never_be_an_event_is_400_at_the_door(world: AwsWorld) -> None:
    answer = post(world, hook(world), body=b'{"object_kind": "merge_request", "object_attributes": {"action": "open"}}')
    assert (answer.status, answer.json()["error"]) == (400, "rejected_delivery")
    assert "has no project" in answer.json()["detail"]
    assert world.stack.tapped() == []
