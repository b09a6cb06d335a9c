"""GitLab webhook translation over GitLab's documented payloads (tests/fixtures/gitlab): every fixture's
expected outcome, and each merge request action and push mapped to wing.cloud's events."""

from __future__ import annotations

import json

import pytest

from events import (
    BranchPushed,
    PullRequestClosed,
    PullRequestOpened,
    PullRequestReopened,
    PullRequestSynchronized,
    WebhookIgnored,
)
from ports import Arrival
from services.gitlab import WEBHOOKS, WebhookRejectedError, admit_webhook, translate
from sim.fakes import EPOCH
from tests.fixtures import gitlab_body, gitlab_json, gitlab_manifest

MANIFEST = gitlab_manifest()


def arrival(name: str, body: bytes, delivery_id: str = "0f9a3b1c-idem") -> Arrival:
    return Arrival(WEBHOOKS.name, delivery_id, name, body, delivery_id, EPOCH)


@pytest.mark.parametrize("row", MANIFEST, ids=[row["file"] for row in MANIFEST])
def test_every_fixture_becomes_what_its_manifest_expects(row: dict[str, object]) -> None:
    event = admit_webhook(arrival(str(row["x_gitlab_event"]), gitlab_body(str(row["file"]))))
    assert (event.detail_type == "WebhookIgnored") == (row["expected"] == "ignore"), event
    assert event.provider == "gitlab"  # type: ignore[attr-defined]


def test_the_manifest_names_every_file_with_its_sha256() -> None:
    import hashlib

    from tests.fixtures import GITLAB

    files = sorted(p.name for p in GITLAB.glob("*.json") if p.name != "manifest.json")
    assert sorted(str(row["file"]) for row in MANIFEST) == files
    for row in MANIFEST:
        assert hashlib.sha256(gitlab_body(str(row["file"]))).hexdigest() == row["sha256"], row["file"]
        assert ("source" in row) != ("derived_from" in row) and ("derived" in str(row["file"])) == (
            "derived_from" in row
        )


def test_an_opened_merge_request_is_a_pull_request_opened_in_wing_clouds_words() -> None:
    event = translate("Merge Request Hook", "d-1", gitlab_json("merge_request.open.json"))
    assert isinstance(event, PullRequestOpened)
    assert event.model_dump(exclude={"metadata"}) == {
        "provider": "gitlab",
        "delivery_id": "d-1",
        "installation_id": 1,  # the project's id: GitLab's API addresses projects by it
        "repository": "gitlabhq/gitlab-test",
        "pr_number": 1,  # the merge request's iid
        "title": "MS-Viewport",
        "head_branch": "ms-viewport",
        "head_sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
        "base_branch": "master",
        "head_repository": "awesome_space/awesome_project",
        "is_fork": False,  # source_project_id == target_project_id
        "sender_login": "root",
    }


def test_each_merge_request_action_maps_to_its_event() -> None:
    kinds = {
        name: translate("Merge Request Hook", "d", gitlab_json(name))
        for name in (
            "merge_request.reopen.derived.json",
            "merge_request.update.derived.json",
            "merge_request.close.derived.json",
            "merge_request.merge.derived.json",
        )
    }
    assert isinstance(kinds["merge_request.reopen.derived.json"], PullRequestReopened)
    synchronized = kinds["merge_request.update.derived.json"]
    assert isinstance(synchronized, PullRequestSynchronized)
    assert (synchronized.before_sha, synchronized.head_sha) == (
        "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
        "0b4bc9a49b562e85de7cc9e834518ea6828729b9",
    )
    closed, merged = kinds["merge_request.close.derived.json"], kinds["merge_request.merge.derived.json"]
    assert isinstance(closed, PullRequestClosed) and not closed.merged
    assert isinstance(merged, PullRequestClosed) and merged.merged


def test_an_update_without_new_commits_is_ignored_and_says_why() -> None:
    event = translate("Merge Request Hook", "d", gitlab_json("merge_request.update.title.derived.json"))
    assert isinstance(event, WebhookIgnored)
    assert (event.github_event, event.action) == ("Merge Request Hook", "update")
    assert "without new commits" in event.reason


def test_approvals_change_no_environment() -> None:
    payload = gitlab_json("merge_request.open.json")
    payload["object_attributes"]["action"] = "approved"
    event = translate("Merge Request Hook", "d", payload)
    assert (
        isinstance(event, WebhookIgnored) and event.reason == "merge request action 'approved' changes no environment"
    )


def test_a_push_to_a_branch_is_a_branch_pushed() -> None:
    event = translate("Push Hook", "d-2", gitlab_json("push.json"))
    assert isinstance(event, BranchPushed)
    assert event.model_dump(exclude={"metadata"}) == {
        "provider": "gitlab",
        "delivery_id": "d-2",
        "installation_id": 15,
        "repository": "mike/diaspora",
        "branch": "master",
        "before_sha": "95790bf891e76fee5e1747ab589903a6a1f80f22",
        "after_sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
        "forced": False,
        "head_commit_message": "fixed readme",  # the pushed head's, not the first commit's
        "pusher": "jsmith",
    }


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("tag_push.json", "tags deploy nothing"),
        ("note.merge_request.json", "comments are not used by wing.cloud"),
        ("push.branch-deleted.derived.json", "branch feature was deleted"),
    ],
)
def test_what_deploys_nothing_is_ignored_with_its_reason(name: str, reason: str) -> None:
    event = translate("Hook", "d", gitlab_json(name))
    assert isinstance(event, WebhookIgnored) and reason in event.reason


def test_a_project_in_a_subgroup_is_ignored_with_the_reason() -> None:
    payload = gitlab_json("merge_request.open.json")
    payload["project"]["path_with_namespace"] = "gitlabhq/tools/gitlab-test"
    event = translate("Merge Request Hook", "d", payload)
    assert isinstance(event, WebhookIgnored)
    assert event.reason.startswith("gitlabhq/tools/gitlab-test is in a subgroup")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.pop("project"), "delivery d has no project$"),
        (lambda p: p["project"].pop("id"), "has no project.id"),
        (lambda p: p["object_attributes"].pop("last_commit"), "has no object_attributes.last_commit"),
        (lambda p: p["object_attributes"].update(source_branch="bad branch"), "head_branch"),
    ],
)
def test_a_merge_request_that_says_too_little_is_rejected_naming_the_field(change: object, message: str) -> None:
    payload = gitlab_json("merge_request.open.json")
    change(payload)  # type: ignore[operator]
    with pytest.raises(WebhookRejectedError, match=message):
        translate("Merge Request Hook", "d", payload)


@pytest.mark.parametrize(
    ("body", "name", "delivery_id", "message"),
    [
        (b"{", "Merge Request Hook", "d", "body is not valid JSON"),
        (b"[1]", "Merge Request Hook", "d", "body must be a JSON object, got list"),
        (b"{}", "", "d", "the X-Gitlab-Event header is missing"),
        (b"{}", "Push Hook", "x" * 101, "the delivery id must be 1 to 100 characters"),
    ],
)
def test_the_door_refuses_what_can_never_be_an_event(body: bytes, name: str, delivery_id: str, message: str) -> None:
    with pytest.raises(WebhookRejectedError, match=message):
        admit_webhook(arrival(name, body, delivery_id))


def test_an_unknown_kind_is_ignored_naming_the_hook() -> None:
    event = admit_webhook(arrival("Feature Flag Hook", json.dumps({"object_kind": "feature_flag"}).encode()))
    assert isinstance(event, WebhookIgnored)
    assert event.reason == "Feature Flag Hook (feature_flag) deliveries are not used by wing.cloud"
