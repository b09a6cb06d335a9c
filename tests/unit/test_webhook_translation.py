"""Webhook translation over the recorded GitHub fixtures, and the ingress edge (dedupe, rejections)."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import (
    BranchPushed,
    PullRequestClosed,
    PullRequestOpened,
    PullRequestReopened,
    PullRequestSynchronized,
    WebhookIgnored,
)
from ports import Arrival
from services.github import WEBHOOKS, WebhookRejectedError, admit_webhook, ingest_webhook, sync_webhook_url, translate
from sim.fakes import EPOCH, Fakes
from tests.fixtures import github_body, github_json, github_manifest
from tests.kernel import Kernel

MANIFEST = github_manifest()
# The manifest leaves these to the product: tags, branch deletions and installation events deploy nothing.
DECIDED = {
    "push.tag.json": "ignore",
    "push.tag-deleted.json": "ignore",
    "installation.created.json": "ignore",
    "installation.deleted.json": "ignore",
    "installation_repositories.added.json": "ignore",
    "installation_repositories.removed.json": "ignore",
}


def load(name: str) -> dict[str, Any]:
    return github_json(name)


def delivery(name: str, delivery_id: str = "d-1", body: bytes | None = None) -> Arrival:
    row = next(r for r in MANIFEST if r["file"] == name)
    return webhook(row["x_github_event"], delivery_id, body if body is not None else github_body(name))


def webhook(event: str, delivery_id: str, body: bytes) -> Arrival:
    return Arrival("webhook", delivery_id, event, body, delivery_id, EPOCH)


@pytest.mark.parametrize("row", MANIFEST, ids=[r["file"] for r in MANIFEST])
def test_every_fixture_is_translated_as_expected(row: dict[str, Any]) -> None:
    expected = DECIDED.get(row["file"], row["expect"])
    event = translate(row["x_github_event"], "d-1", load(row["file"]))
    assert isinstance(event, WebhookIgnored) is (expected == "ignore"), event
    assert len(event.model_dump_json()) < 2_000  # a small domain event, never the raw body


def test_opened_carries_the_pull_request_facts() -> None:
    event = translate("pull_request", "d-1", load("pull_request.opened.json"))
    assert event == PullRequestOpened(
        delivery_id="d-1",
        installation_id=1,
        repository="Codertocat/Hello-World",
        pr_number=2,
        title="Update the README with new information.",
        head_branch="changes",
        head_sha="ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        base_branch="master",
        head_repository="Codertocat/Hello-World",
        is_fork=False,
        sender_login="Codertocat",
    )


@pytest.mark.parametrize("name", ["pull_request.opened.null-body.json", "pull_request.opened.org.json"])
def test_variants_of_opened_translate_the_same(name: str) -> None:
    assert translate("pull_request", "d-1", load(name)) == translate(
        "pull_request", "d-1", load("pull_request.opened.json")
    )


def test_a_pull_request_from_a_fork_is_marked() -> None:
    payload = load("pull_request.opened.json")  # derived: the head branch lives in a fork
    payload["pull_request"]["head"]["repo"]["full_name"] = "octocat/Hello-World"
    event = translate("pull_request", "d-1", payload)
    assert isinstance(event, PullRequestOpened)
    assert event.is_fork and event.head_repository == "octocat/Hello-World"


def test_reopened_synchronize_and_closed() -> None:
    assert isinstance(translate("pull_request", "d", load("pull_request.reopened.json")), PullRequestReopened)
    sync = translate("pull_request", "d", load("pull_request.synchronize.json"))
    assert isinstance(sync, PullRequestSynchronized)
    assert (sync.before_sha, sync.head_sha) == (
        "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
        "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
    )
    closed = translate("pull_request", "d", load("pull_request.closed.json"))
    merged = translate("pull_request", "d", load("pull_request.closed.merged.derived.json"))
    assert isinstance(closed, PullRequestClosed) and isinstance(merged, PullRequestClosed)
    assert (closed.merged, merged.merged) == (False, True)


def test_a_branch_push_and_a_new_branch() -> None:
    push = translate("push", "d", load("push.json"))
    assert push == BranchPushed(
        delivery_id="d",
        installation_id=1729,
        repository="bkeepers-inc/test",
        branch="bkeepers-patch-3",
        before_sha="f5cd85485562ec4b0855c77cf44ecbed40c8e689",
        after_sha="738a951dba49dfec487000ef85ae80291d7ab32a",
        forced=False,
        head_commit_message="Update README.md",
        pusher="bkeepers",
    )
    created = translate("push", "d", load("push.new-branch.json"))
    assert isinstance(created, BranchPushed) and created.before_sha is None and created.branch == "master"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("push.tag.json", "tag simple-tag"),
        ("push.tag-deleted.json", "tag simple-tag"),
        ("ping.json", "ping"),
        ("pull_request.labeled.json", "'labeled'"),
        ("issues.opened.json", "issues"),
        ("check_suite.requested.json", "checks"),
        ("installation.created.json", "installation"),
    ],
)
def test_ignored_deliveries_say_why(name: str, reason: str) -> None:
    row = next(r for r in MANIFEST if r["file"] == name)
    event = translate(row["x_github_event"], "d", load(name))
    assert isinstance(event, WebhookIgnored) and reason in event.reason
    assert event.github_event == row["x_github_event"] and event.action == row["action"]


def test_a_branch_deletion_is_ignored() -> None:
    payload = load("push.tag-deleted.json")  # derived: a branch instead of a tag
    payload["ref"] = "refs/heads/changes"
    event = translate("push", "d", payload)
    assert isinstance(event, WebhookIgnored) and "branch changes was deleted" in event.reason


def test_an_unhandled_action_without_installation_is_ignored_not_rejected() -> None:
    event = translate("pull_request", "d", load("pull_request.converted_to_draft.no-installation.json"))
    assert isinstance(event, WebhookIgnored)


@pytest.mark.parametrize("name", ["pull_request.opened.json", "push.json"])
def test_a_handled_delivery_without_installation_is_rejected(name: str) -> None:
    payload = load(name)  # derived: the shape of a repository webhook
    del payload["installation"]
    with pytest.raises(WebhookRejectedError, match=r"has no installation\.id"):
        translate("pull_request" if name.startswith("pull") else "push", "d", payload)


def test_a_missing_field_is_named() -> None:
    payload = load("pull_request.opened.json")
    del payload["pull_request"]["head"]["sha"]
    with pytest.raises(WebhookRejectedError, match=r"pull_request/opened delivery d has no pull_request\.head\.sha"):
        translate("pull_request", "d", payload)


def test_a_value_breaking_the_contract_is_rejected_with_the_field() -> None:
    payload = load("pull_request.opened.json")
    payload["pull_request"]["head"]["sha"] = "not-a-sha"
    with pytest.raises(WebhookRejectedError, match="head_sha"):
        translate("pull_request", "d", payload)


def test_the_same_delivery_id_is_ingested_once() -> None:
    kernel = Kernel("github", Fakes().ports())  # the edge is delivered to through the kernel, once per delivery id
    first = kernel.arrive(WEBHOOKS, delivery("pull_request.opened.json", "72d3162e"))
    again = kernel.arrive(WEBHOOKS, delivery("pull_request.opened.json", "72d3162e"))
    other = kernel.arrive(WEBHOOKS, delivery("pull_request.opened.json", "72d3162f"))
    assert [type(e) for e in first] == [PullRequestOpened] and again == [] and len(other) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"{not json", "not valid JSON"), (b"\xff\xfe", "not valid JSON"), (b"[1, 2]", "must be a JSON object")],
)
def test_a_malformed_body_is_rejected_and_not_remembered(body: bytes, message: str) -> None:
    kernel = Kernel("github", Fakes().ports())
    with pytest.raises(WebhookRejectedError, match=message):
        admit_webhook(delivery("pull_request.opened.json", "d-9", body))  # the door refuses it...
    with pytest.raises(WebhookRejectedError, match=message):
        kernel.arrive(WEBHOOKS, delivery("pull_request.opened.json", "d-9", body))  # ...and so does the edge
    # The id is not burnt: the good body under the same id is still accepted.
    assert len(kernel.arrive(WEBHOOKS, delivery("pull_request.opened.json", "d-9"))) == 1


def test_missing_headers_are_rejected() -> None:
    ports = Fakes().ports()
    body = github_body("ping.json")
    with pytest.raises(WebhookRejectedError, match="X-GitHub-Event"):
        ingest_webhook(webhook("", "d", body), ports)
    with pytest.raises(WebhookRejectedError, match="X-GitHub-Delivery"):
        ingest_webhook(webhook("ping", "", body), ports)


def test_the_body_is_not_mutated_by_translation() -> None:
    payload = load("pull_request.opened.json")
    before = copy.deepcopy(payload)
    translate("pull_request", "d", payload)
    assert payload == before


def test_the_preflight_points_the_app_webhook_at_us() -> None:
    fakes = Fakes()
    sync_webhook_url("https://wingcloud.example/webhooks/github", fakes.ports())
    assert fakes.github.webhook_url == "https://wingcloud.example/webhooks/github"
    with pytest.raises(ValueError, match="http"):
        sync_webhook_url("ftp://nope", fakes.ports())


# --- whatever arrives, the translator answers with an event or a WebhookRejectedError, never a crash -----

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
SHAPED = ["pull_request.opened.json", "pull_request.synchronize.json", "pull_request.closed.json", "push.json"]


def paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += paths(child, (*prefix, key))
    return found


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(SHAPED), pick=st.integers(min_value=0), value=JSON)
def test_a_recorded_payload_with_any_field_replaced_never_crashes(name: str, pick: int, value: Any) -> None:
    payload = load(name)
    *parents, leaf = (candidates := paths(payload))[pick % len(candidates)]
    node = payload
    for key in parents:
        node = node[key]
    node[leaf] = value
    event_name = "push" if name.startswith("push") else "pull_request"
    with contextlib.suppress(WebhookRejectedError):
        translate(event_name, "d", payload)


@settings(max_examples=200, deadline=None)
@given(
    event_name=st.sampled_from(["pull_request", "push", "ping"]), payload=st.dictionaries(st.text(max_size=12), JSON)
)
def test_any_json_object_never_crashes(event_name: str, payload: dict[str, Any]) -> None:
    with contextlib.suppress(WebhookRejectedError):
        translate(event_name, "d", payload)
