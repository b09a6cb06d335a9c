"""GitLab webhook payload -> one small domain event. Pure: no ports, no I/O.

A merge request opened, reopened, updated with new commits (GitLab sends `oldrev` only then), closed or merged,
and a push to a branch mean something to wing.cloud; every other delivery becomes `WebhookIgnored` with the
reason, so the console and traces show why nothing happened. The body's `object_kind` says what a delivery is
(the `X-Gitlab-Event` header names the hook: a system hook sends the same bodies as `System Hook`).

GitLab's words become wing.cloud's: a merge request is a pull request, its `iid` the pull request's number,
the project's id the account wing.cloud acts through (docs/decisions/0012-gitlab-as-one-service.md).
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

PROVIDER = "gitlab"  # the `provider` of every event this service publishes
ZERO_SHA = "0" * 40
HEADS = "refs/heads/"

# Why a delivery of a kind wing.cloud does not act on is dropped.
IGNORED_KINDS: Mapping[str, str] = {
    "tag_push": "tags deploy nothing",
    "note": "comments are not used by wing.cloud",
    "issue": "issues are not used by wing.cloud",
    "work_item": "work items are not used by wing.cloud",
    "pipeline": "pipelines are not used by wing.cloud",
    "build": "jobs are not used by wing.cloud",
    "wiki_page": "wiki pages are not used by wing.cloud",
    "deployment": "GitLab deployments are not used by wing.cloud",
    "release": "releases are not used by wing.cloud",
}
MERGE_REQUEST_ACTIONS = frozenset({"open", "reopen", "update", "close", "merge"})


class WebhookRejectedError(ValueError):
    """A delivery wing.cloud cannot accept (malformed JSON, no project, a missing field); says why. `code` tells
    a body that is not a JSON object (`malformed_json`) from one that says too little."""

    def __init__(self, reason: str, code: str = "rejected_delivery") -> None:
        super().__init__(reason)
        self.code = code


def translate(event_name: str, delivery_id: str, payload: Mapping[str, Any]) -> Event:
    """The domain event for one delivery, or WebhookIgnored; raises WebhookRejectedError when malformed."""
    kind = payload.get("object_kind")
    try:
        if kind == "merge_request":
            return _merge_request(event_name, delivery_id, payload)
        if kind == "push":
            return _push(event_name, delivery_id, payload)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise WebhookRejectedError(f"{event_name} delivery {delivery_id}: {problems}") from None
    reason = IGNORED_KINDS.get(str(kind), f"{event_name} ({kind}) deliveries are not used by wing.cloud")
    return _ignored(delivery_id, event_name, payload, reason)


def _merge_request(event_name: str, delivery_id: str, payload: Mapping[str, Any]) -> Event:
    attributes = _mapping(payload.get("object_attributes"))
    action = attributes.get("action")
    if not isinstance(action, str) or action not in MERGE_REQUEST_ACTIONS:
        return _ignored(delivery_id, event_name, payload, f"merge request action {action!r} changes no environment")
    if action == "update" and not attributes.get("oldrev"):
        reason = "merge request update without new commits (title, labels, reviewers) changes no environment"
        return _ignored(delivery_id, event_name, payload, reason)
    where = f"merge_request/{action} delivery {delivery_id}"
    repository = _project_path(payload, where)
    if _in_subgroup(repository):
        return _ignored(delivery_id, event_name, payload, _SUBGROUPS.format(repository))
    common = {
        "provider": PROVIDER,
        "delivery_id": delivery_id,
        "installation_id": _project_id(payload, where),
        "repository": repository,
        "pr_number": _field(payload, where, "object_attributes", "iid"),
        "head_branch": _field(payload, where, "object_attributes", "source_branch"),
        "head_sha": _field(payload, where, "object_attributes", "last_commit", "id"),
    }
    if action in ("close", "merge"):
        return PullRequestClosed(**common, merged=action == "merge")
    if action == "update":
        return PullRequestSynchronized(**common, before_sha=attributes["oldrev"])
    source = str(_mapping(attributes.get("source")).get("path_with_namespace") or repository)
    is_fork = attributes.get("source_project_id") != attributes.get("target_project_id")
    if _in_subgroup(source):
        return _ignored(delivery_id, event_name, payload, _SUBGROUPS.format(source))
    opened = PullRequestOpened if action == "open" else PullRequestReopened
    return opened(
        **common,
        title=str(attributes.get("title") or "")[:1024],
        base_branch=_field(payload, where, "object_attributes", "target_branch"),
        head_repository=source,
        is_fork=is_fork,
        sender_login=_field(payload, where, "user", "username"),
    )


_SUBGROUPS = "{} is in a subgroup: wing.cloud's repositories are group/project for now (decision 0008)"


def _push(event_name: str, delivery_id: str, payload: Mapping[str, Any]) -> Event:
    ref = str(payload.get("ref", ""))
    if not ref.startswith(HEADS):
        return _ignored(delivery_id, event_name, payload, f"ref {ref!r} is not a branch")
    branch = ref[len(HEADS) :]
    after = payload.get("after")
    if after == ZERO_SHA:
        reason = f"branch {branch} was deleted; closing its merge request stops previews"
        return _ignored(delivery_id, event_name, payload, reason)
    where = f"push delivery {delivery_id}"
    repository = _project_path(payload, where)
    if _in_subgroup(repository):
        return _ignored(delivery_id, event_name, payload, _SUBGROUPS.format(repository))
    after_sha: str = _field(payload, where, "after")
    before = payload.get("before")
    commits = payload.get("commits")
    listed = commits if isinstance(commits, list) else []
    head = next((c for c in listed if isinstance(c, Mapping) and c.get("id") == after_sha), {})
    message = head.get("message")
    return BranchPushed(
        provider=PROVIDER,
        delivery_id=delivery_id,
        installation_id=_project_id(payload, where),
        repository=repository,
        branch=branch,
        before_sha=None if before in (None, ZERO_SHA) else before,
        after_sha=after_sha,
        forced=False,  # GitLab does not say; wing.cloud redeploys on the new head either way
        head_commit_message=str(message)[:4096] if message is not None else None,
        pusher=str(payload.get("user_username") or payload.get("user_name") or "")[:100],
    )


def _in_subgroup(path: str) -> bool:
    return path.count("/") > 1


def _project_path(payload: Mapping[str, Any], where: str) -> str:
    return str(_field(payload, where, "project", "path_with_namespace"))


def _project_id(payload: Mapping[str, Any], where: str) -> int:
    project_id = _mapping(payload.get("project")).get("id")
    if isinstance(project_id, bool) or not isinstance(project_id, int):
        raise WebhookRejectedError(f"{where} has no project.id: it is not a project (or group) webhook delivery")
    return project_id


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _field(node: Any, where: str, *path: str) -> Any:
    for depth, key in enumerate(path):
        if not isinstance(node, Mapping) or node.get(key) is None:
            raise WebhookRejectedError(f"{where} has no {'.'.join(path[: depth + 1])}")
        node = node[key]
    return node


def _ignored(delivery_id: str, event_name: str, payload: Mapping[str, Any], reason: str) -> WebhookIgnored:
    action = _mapping(payload.get("object_attributes")).get("action")
    return WebhookIgnored(
        provider=PROVIDER,
        delivery_id=delivery_id,
        github_event=event_name[:100],  # the provider's event name: X-Gitlab-Event (decision 0008)
        action=str(action)[:100] if action is not None else None,
        reason=reason[:500],
    )
