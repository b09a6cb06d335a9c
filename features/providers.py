"""The providers as scenarios drive them: each one's webhook door, its recorded payloads and the ones derived
from them, what it holds (branch heads) and what wing.cloud said on it (comments, notes).

A Scenario Outline over `<provider>` runs the same workflow through GitHub's door and GitLab's; the steps in
`conftest.py` ask `PROVIDERS[provider]` for the provider's side of it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Protocol

from features import queries as q
from sim.world import WorldLike
from tests.fixtures import gitlab_json, gitlab_manifest

GITLAB_MANIFEST: dict[str, str] = {row["file"]: row["x_gitlab_event"] for row in gitlab_manifest()}
ZERO_SHA = "0" * 40


@dataclass(frozen=True)
class Delivery:
    """A webhook as a provider sends it: the door, the event header's value and the body."""

    door: str
    name: str
    body: bytes


class Provider(Protocol):
    def recorded(self, fixture: str) -> Delivery: ...
    def opened(self, repository: str, number: int, branch: str, sha: str) -> Delivery: ...
    def new_commits(self, repository: str, number: int, branch: str, before: str, sha: str) -> Delivery: ...
    def closed(self, repository: str, number: int, branch: str, sha: str, *, merged: bool) -> Delivery: ...
    def pushed(self, repository: str, branch: str, before: str, sha: str, message: str) -> Delivery: ...
    def set_branch_head(self, world: WorldLike, repository: str, branch: str, sha: str) -> None: ...
    def said(self, world: WorldLike, repository: str, number: int) -> list[str]: ...
    def said_anything(self, world: WorldLike) -> bool: ...


class GitHub:
    """GitHub's door (`webhook`) and octokit's recorded deliveries (tests/fixtures/github)."""

    def recorded(self, fixture: str) -> Delivery:
        return Delivery("webhook", q.MANIFEST[fixture], q.fixture_bytes(fixture))

    def opened(self, repository: str, number: int, branch: str, sha: str) -> Delivery:
        """DERIVED from pull_request.opened.json."""
        payload = _pull_request("pull_request.opened.json", "opened", repository, number, branch, sha)
        return Delivery("webhook", "pull_request", q.as_body(payload))

    def new_commits(self, repository: str, number: int, branch: str, before: str, sha: str) -> Delivery:
        """DERIVED from pull_request.opened.json, as `synchronize` (with its top-level `before`)."""
        payload = _pull_request("pull_request.opened.json", "synchronize", repository, number, branch, sha)
        payload["before"], payload["after"] = before, sha
        return Delivery("webhook", "pull_request", q.as_body(payload))

    def closed(self, repository: str, number: int, branch: str, sha: str, *, merged: bool) -> Delivery:
        """DERIVED from pull_request.closed(.merged.derived).json."""
        fixture = "pull_request.closed.merged.derived.json" if merged else "pull_request.closed.json"
        payload = _pull_request(fixture, "closed", repository, number, branch, sha)
        return Delivery("webhook", "pull_request", q.as_body(payload))

    def pushed(self, repository: str, branch: str, before: str, sha: str, message: str) -> Delivery:
        """DERIVED from push.json (probot's recorded branch push)."""
        payload = q.fixture_json("push.json")
        payload["ref"], payload["before"], payload["after"] = f"refs/heads/{branch}", before, sha
        payload["repository"]["full_name"], payload["repository"]["name"] = repository, repository.split("/")[1]
        payload["head_commit"]["id"], payload["head_commit"]["message"] = sha, message
        payload["installation"] = {"id": 1}
        return Delivery("webhook", "push", q.as_body(payload))

    def set_branch_head(self, world: WorldLike, repository: str, branch: str, sha: str) -> None:
        world.github.set_branch_head(repository, branch, sha, "Initial commit")

    def said(self, world: WorldLike, repository: str, number: int) -> list[str]:
        return [c.body for c in world.github.comments_on(repository, number)]

    def said_anything(self, world: WorldLike) -> bool:
        return bool(world.github.comments or world.github.called("upsert_pull_request_comment"))


class GitLab:
    """GitLab's door (`gitlab-webhook`) and GitLab's documented payloads (tests/fixtures/gitlab)."""

    def recorded(self, fixture: str) -> Delivery:
        from tests.fixtures import gitlab_body

        return Delivery("gitlab-webhook", GITLAB_MANIFEST[fixture], gitlab_body(fixture))

    def opened(self, repository: str, number: int, branch: str, sha: str) -> Delivery:
        """DERIVED from merge_request.open.json."""
        return self._merge_request("open", repository, number, branch, sha)

    def new_commits(self, repository: str, number: int, branch: str, before: str, sha: str) -> Delivery:
        """DERIVED from merge_request.open.json, as an `update` that carries `oldrev` (commits were pushed)."""
        return self._merge_request("update", repository, number, branch, sha, oldrev=before)

    def closed(self, repository: str, number: int, branch: str, sha: str, *, merged: bool) -> Delivery:
        """DERIVED from merge_request.open.json, as `merge` or `close`."""
        return self._merge_request("merge" if merged else "close", repository, number, branch, sha)

    def pushed(self, repository: str, branch: str, before: str, sha: str, message: str) -> Delivery:
        """DERIVED from push.json (GitLab's documented Push Hook)."""
        payload = gitlab_json("push.json")
        payload["ref"], payload["before"], payload["after"] = f"refs/heads/{branch}", before, sha
        payload["checkout_sha"] = sha
        payload["project"]["path_with_namespace"] = repository
        head = copy.deepcopy(payload["commits"][-1])
        head["id"], head["message"], head["title"] = sha, message, message
        payload["commits"] = [head]
        return Delivery("gitlab-webhook", "Push Hook", q.as_body(payload))

    def set_branch_head(self, world: WorldLike, repository: str, branch: str, sha: str) -> None:
        world.gitlab.set_branch_head(repository, branch, sha, "Initial commit")

    def said(self, world: WorldLike, repository: str, number: int) -> list[str]:
        return [n.body for n in world.gitlab.notes_on(repository, number)]

    def said_anything(self, world: WorldLike) -> bool:
        return bool(world.gitlab.notes or world.gitlab.called("upsert_merge_request_note"))

    @staticmethod
    def _merge_request(action: str, repository: str, number: int, branch: str, sha: str, **attributes: Any) -> Delivery:
        payload = gitlab_json("merge_request.open.json")
        payload["project"]["path_with_namespace"] = repository
        mr = payload["object_attributes"]
        mr["action"], mr["iid"], mr["source_branch"], mr["last_commit"]["id"] = action, number, branch, sha
        mr["state"] = {"merge": "merged", "close": "closed"}.get(action, "opened")
        mr.update(attributes)
        return Delivery("gitlab-webhook", "Merge Request Hook", q.as_body(payload))


def _pull_request(fixture: str, action: str, repository: str, number: int, branch: str, sha: str) -> dict[str, Any]:
    payload = q.fixture_json(fixture)
    payload["action"] = action
    payload["number"] = payload["pull_request"]["number"] = number
    payload["pull_request"]["head"]["ref"], payload["pull_request"]["head"]["sha"] = branch, sha
    for repo in (
        payload["repository"],
        payload["pull_request"]["head"]["repo"],
        payload["pull_request"]["base"]["repo"],
    ):
        repo["full_name"], repo["name"] = repository, repository.split("/")[1]
    return payload


PROVIDERS: dict[str, Provider] = {"github": GitHub(), "gitlab": GitLab()}
