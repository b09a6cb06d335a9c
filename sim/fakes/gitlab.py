"""A fake GitLab: notes on merge requests keyed by marker, branch heads, and clone tokens (deterministic:
`glpat-sim`). Projects are found by their path; the project id (the `installation_id` of GitLab's events and
apps) is recorded with each call, as the real client addresses projects by it."""

from __future__ import annotations

from dataclasses import dataclass

from ports import BranchHead, CloneAccess, CommentRef
from sim.fakes._calls import Recorder

WEB_URL = "https://gitlab.com"


@dataclass
class FakeNote:
    id: int
    project_id: int
    repository: str
    mr_iid: int
    marker: str
    body: str


class FakeGitLab(Recorder):
    """Implements `ports.GitLab` in memory. One note per (project, merge request, marker)."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: dict[tuple[str, int, str], FakeNote] = {}
        self.branches: dict[tuple[str, str], BranchHead] = {}
        self._next_note_id = 5000

    def set_branch_head(self, repository: str, branch: str, sha: str, message: str | None = None) -> None:
        """Arrange GitLab: `branch` of project `repository` (group/project) points at `sha`."""
        self.branches[(repository.lower(), branch)] = BranchHead(sha=sha, message=message)

    def upsert_merge_request_note(
        self, project_id: int, repository: str, mr_iid: int, marker: str, body: str
    ) -> CommentRef:
        self._record("upsert_merge_request_note", project_id, repository, mr_iid, marker)
        key = (repository.lower(), mr_iid, marker)
        existing = self.notes.get(key)
        if existing is not None:
            existing.body = body
            return CommentRef(id=existing.id, created=False)
        self._next_note_id += 1
        self.notes[key] = FakeNote(self._next_note_id, project_id, repository, mr_iid, marker, body)
        return CommentRef(id=self._next_note_id, created=True)

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        self._record("get_branch_head", installation_id, repository, branch)
        return self.branches.get((repository.lower(), branch))

    def clone_access(self, installation_id: int, repository: str) -> CloneAccess:
        self._record("clone_access", installation_id, repository)  # the call, never the token
        return CloneAccess(f"{WEB_URL}/{repository}.git", "oauth2", "glpat-sim")

    def notes_on(self, repository: str, mr_iid: int) -> list[FakeNote]:
        """The notes on one merge request, oldest first."""
        found = [n for (repo, iid, _), n in self.notes.items() if repo == repository.lower() and iid == mr_iid]
        return sorted(found, key=lambda n: n.id)
