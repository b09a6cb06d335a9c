"""GitHub webhook payload -> one small domain event. Pure: no ports, no I/O.

Only `pull_request` (opened, reopened, synchronize, closed) and branch `push` mean something to wing.cloud;
every other delivery becomes `WebhookIgnored` with the reason, so the console and traces show why nothing
happened. Ignoring is decided before the installation is required, so GitHub's repository-level hooks and
pings are acknowledged rather than rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from events import (
    BranchPushed,
    Event,
    PullRequestClosed,
    PullRequestOpened,
    PullRequestReopened,
    PullRequestSynchronized,
    WebhookIgnored,
)

PROVIDER = "github"  # the `provider` of every event this service publishes
ZERO_SHA = "0" * 40
HEADS, TAGS = "refs/heads/", "refs/tags/"
PULL_REQUEST_ACTIONS = frozenset({"opened", "reopened", "synchronize", "closed"})

# Why a delivery of an event wing.cloud does not subscribe to is dropped.
IGNORED_EVENTS: Mapping[str, str] = {
    "ping": "ping: GitHub checks that the hook answers; nothing to do",
    "installation": "installation events are not used: each app names its installation when it is created",
    "installation_repositories": "installation events are not used: each app names its installation when created",
    "issues": "issues are not used by wing.cloud",
    "check_suite": "checks are not used by wing.cloud",
    "check_run": "checks are not used by wing.cloud",
}


class WebhookRejectedError(ValueError):
    """A delivery wing.cloud cannot accept (malformed JSON, no installation, a missing field); says why.
    `code` tells a body that is not a JSON object (`malformed_json`) from one that says too little."""

    def __init__(self, reason: str, code: str = "rejected_delivery") -> None:
        super().__init__(reason)
        self.code = code


def translate(event_name: str, delivery_id: str, payload: Mapping[str, Any]) -> Event:
    """The domain event for one delivery, or WebhookIgnored; raises WebhookRejectedError when malformed."""
    try:
        if event_name == "pull_request":
            return _pull_request(delivery_id, payload)
        if event_name == "push":
            return _push(delivery_id, payload)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise WebhookRejectedError(f"{event_name} delivery {delivery_id}: {problems}") from None
    reason = IGNORED_EVENTS.get(event_name, f"{event_name} events are not used by wing.cloud")
    return _ignored(delivery_id, event_name, payload, reason)


def _pull_request(delivery_id: str, payload: Mapping[str, Any]) -> Event:
    action = payload.get("action")
    if not isinstance(action, str) or action not in PULL_REQUEST_ACTIONS:
        return _ignored(delivery_id, "pull_request", payload, f"pull_request action {action!r} changes no environment")
    where = f"pull_request/{action} delivery {delivery_id}"
    installation_id = _installation_id(payload, where)
    repository = str(_field(payload, where, "repository", "full_name"))
    pr = _field(payload, where, "pull_request")
    common = {
        "provider": PROVIDER,
        "delivery_id": delivery_id,
        "installation_id": installation_id,
        "repository": repository,
        "pr_number": _field(payload, where, "pull_request", "number"),
        "head_branch": _field(payload, where, "pull_request", "head", "ref"),
        "head_sha": _field(payload, where, "pull_request", "head", "sha"),
    }
    if action == "closed":
        return PullRequestClosed(**common, merged=bool(pr.get("merged")))
    if action == "synchronize":
        return PullRequestSynchronized(**common, before_sha=_field(payload, where, "before"))
    head_repo = pr["head"].get("repo")
    if not isinstance(head_repo, Mapping):
        return _ignored(delivery_id, "pull_request", payload, "the head repository of the pull request was deleted")
    head_repository = str(head_repo.get("full_name", ""))
    opened = PullRequestOpened if action == "opened" else PullRequestReopened
    return opened(
        **common,
        title=str(pr.get("title") or "")[:1024],
        base_branch=_field(payload, where, "pull_request", "base", "ref"),
        head_repository=head_repository,
        is_fork=head_repository.lower() != repository.lower(),
        sender_login=_field(payload, where, "sender", "login"),
    )


def _push(delivery_id: str, payload: Mapping[str, Any]) -> Event:
    ref = str(payload.get("ref", ""))
    if ref.startswith(TAGS):
        return _ignored(delivery_id, "push", payload, f"tag {ref[len(TAGS) :]}: tags deploy nothing")
    if not ref.startswith(HEADS):
        return _ignored(delivery_id, "push", payload, f"ref {ref!r} is not a branch")
    after = payload.get("after")
    if payload.get("deleted") or after == ZERO_SHA:
        return _ignored(
            delivery_id,
            "push",
            payload,
            f"branch {ref[len(HEADS) :]} was deleted; closing its pull request stops previews",
        )
    where = f"push delivery {delivery_id}"
    before = payload.get("before")
    after_sha: str = _field(payload, where, "after")
    head_commit, pusher, sender = (_mapping(payload.get(key)) for key in ("head_commit", "pusher", "sender"))
    return BranchPushed(
        provider=PROVIDER,
        delivery_id=delivery_id,
        installation_id=_installation_id(payload, where),
        repository=_field(payload, where, "repository", "full_name"),
        branch=ref[len(HEADS) :],
        before_sha=None if before in (None, ZERO_SHA) else before,
        after_sha=after_sha,
        forced=bool(payload.get("forced")),
        head_commit_message=(str(head_commit["message"])[:4096] if head_commit.get("message") is not None else None),
        pusher=str(pusher.get("name") or sender.get("login") or "")[:100],
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _installation_id(payload: Mapping[str, Any], where: str) -> int:
    installation = payload.get("installation")
    if not isinstance(installation, Mapping) or not isinstance(installation.get("id"), int):
        raise WebhookRejectedError(
            f"{where} has no installation.id: it is not a GitHub App delivery (a repository webhook?)"
        )
    return int(installation["id"])


def _field(node: Any, where: str, *path: str) -> Any:
    for depth, key in enumerate(path):
        if not isinstance(node, Mapping) or node.get(key) is None:
            raise WebhookRejectedError(f"{where} has no {'.'.join(path[: depth + 1])}")
        node = node[key]
    return node


def _ignored(delivery_id: str, event_name: str, payload: Mapping[str, Any], reason: str) -> WebhookIgnored:
    action = payload.get("action")
    return WebhookIgnored(
        provider=PROVIDER,
        delivery_id=delivery_id,
        github_event=event_name[:100],
        action=str(action)[:100] if action is not None else None,
        reason=reason[:500],
    )
