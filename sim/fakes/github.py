"""A fake GitHub App: pull-request comments keyed by marker, the App's webhook URL, branch heads and
installation tokens (deterministic: `ghs_sim_<installation id>`)."""

from __future__ import annotations

from dataclasses import dataclass

from ports import BranchHead, CloneAccess, CommentRef
from sim.fakes._calls import Recorder


@dataclass
class FakeComment:
    id: int
    installation_id: int
    repository: str
    pr_number: int
    marker: str
    body: str


def clone_url(repository: str, web_url: str = "https://github.com") -> str:
    return f"{web_url}/{repository}.git"


class FakeGitHub(Recorder):
    """Implements `ports.GitHub` in memory. One comment per (repository, pull request, marker)."""

    def __init__(self) -> None:
        super().__init__()
        self.comments: dict[tuple[str, int, str], FakeComment] = {}
        self.webhook_url: str | None = None
        self.branches: dict[tuple[str, str], BranchHead] = {}
        self._next_comment_id = 1000

    def set_branch_head(self, repository: str, branch: str, sha: str, message: str | None = None) -> None:
        """Arrange GitHub: `branch` of `repository` points at `sha`."""
        self.branches[(repository.lower(), branch)] = BranchHead(sha=sha, message=message)

    def upsert_pull_request_comment(
        self, installation_id: int, repository: str, pr_number: int, marker: str, body: str
    ) -> CommentRef:
        self._record("upsert_pull_request_comment", installation_id, repository, pr_number, marker)
        key = (repository.lower(), pr_number, marker)
        existing = self.comments.get(key)
        if existing is not None:
            existing.body = body
            return CommentRef(id=existing.id, created=False)
        self._next_comment_id += 1
        self.comments[key] = FakeComment(self._next_comment_id, installation_id, repository, pr_number, marker, body)
        return CommentRef(id=self._next_comment_id, created=True)

    def update_webhook_url(self, url: str) -> None:
        self._record("update_webhook_url", url)
        self.webhook_url = url

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        self._record("get_branch_head", installation_id, repository, branch)
        return self.branches.get((repository.lower(), branch))

    def installation_token(self, installation_id: int) -> str:
        self._record("installation_token", installation_id)  # the call, never the token
        return f"ghs_sim_{installation_id}"

    def clone_access(self, installation_id: int, repository: str) -> CloneAccess:
        return CloneAccess(clone_url(repository), "x-access-token", self.installation_token(installation_id))

    def comments_on(self, repository: str, pr_number: int) -> list[FakeComment]:
        """The comments on one pull request, oldest first."""
        found = [c for (repo, pr, _), c in self.comments.items() if repo == repository.lower() and pr == pr_number]
        return sorted(found, key=lambda c: c.id)
