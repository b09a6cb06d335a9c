"""Repositories on disk standing in for GitHub's (`WINGCLOUD_LOCAL_REPOS=DIR`, `wingcloud serve --repos DIR`).

Repository `owner/name` is the git repository at `DIR/owner/name` (a work tree or a bare repository, also
`DIR/owner/name.git`). Branch heads, which production deploys, are read from there, and runtime agents clone from
there, so the whole product works offline on repositories on disk.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ports import BranchHead, CloneAccess, CommentRef, GitHub, GitLab


class RepositoryNotFoundError(LookupError):
    """No git repository for owner/name under the local repositories folder."""


class LocalRepositories:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, repository: str) -> Path:
        """The git repository of `owner/name`; raises RepositoryNotFoundError naming where it looked."""
        owner, _, name = repository.partition("/")
        if not owner or not name or ".." in (owner, name):
            raise RepositoryNotFoundError(f"{repository!r} is not an owner/name")
        for candidate in (self.root / owner / name, self.root / owner / f"{name}.git"):
            if (candidate / ".git").exists() or (candidate / "HEAD").is_file():
                return candidate
        raise RepositoryNotFoundError(
            f"no git repository for {repository} in {self.root} (looked for {owner}/{name} and {owner}/{name}.git)"
        )

    def git(self, repository: str, *args: str) -> str | None:
        """`git args` in the repository's folder; None when git says no (an unknown ref)."""
        done = subprocess.run(
            ["git", *args], cwd=self.path(repository), capture_output=True, text=True, check=False, timeout=30
        )
        return done.stdout.strip() if done.returncode == 0 else None

    def head(self, repository: str, branch: str) -> str | None:
        """The sha at the tip of `branch`, or None when there is no such branch."""
        return self.git(repository, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}")

    def branch_head(self, repository: str, branch: str) -> BranchHead | None:
        """The branch's tip and its subject; None when the repository or the branch is missing."""
        try:
            sha = self.head(repository, branch)
        except RepositoryNotFoundError:
            return None
        if sha is None:
            return None
        return BranchHead(sha=sha, message=self.git(repository, "show", "-s", "--format=%s", sha))

    def has_commit(self, repository: str, sha: str) -> bool:
        return self.git(repository, "cat-file", "-e", f"{sha}^{{commit}}") is not None

    def clone_url(self, repository: str) -> str | None:
        """Where an agent clones `owner/name` from: its folder; None when there is none (GitHub then)."""
        try:
            return str(self.path(repository))
        except RepositoryNotFoundError:
            return None


class LocalReposGitHub:
    """The embedded GitHub, with branch heads read from the repositories on disk."""

    def __init__(self, inner: GitHub, repos: LocalRepositories) -> None:
        self._inner, self._repos = inner, repos

    def upsert_pull_request_comment(
        self, installation_id: int, repository: str, pr_number: int, marker: str, body: str
    ) -> CommentRef:
        return self._inner.upsert_pull_request_comment(installation_id, repository, pr_number, marker, body)

    def update_webhook_url(self, url: str) -> None:
        self._inner.update_webhook_url(url)

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        """The branch's tip in the repository on disk; None when either is missing (the app is refused)."""
        return self._repos.branch_head(repository, branch)

    def installation_token(self, installation_id: int) -> str:
        return self._inner.installation_token(installation_id)

    def clone_access(self, installation_id: int, repository: str) -> CloneAccess:
        """The repository's folder on disk when there is one (no token is needed to read it)."""
        access = self._inner.clone_access(installation_id, repository)
        folder = self._repos.clone_url(repository)
        return access if folder is None else CloneAccess(folder, access.username, access.token)


class LocalReposGitLab:
    """The embedded GitLab, with branch heads read from the repositories on disk (`group/project` is
    `DIR/group/project`, as for GitHub's)."""

    def __init__(self, inner: GitLab, repos: LocalRepositories) -> None:
        self._inner, self._repos = inner, repos

    def upsert_merge_request_note(
        self, project_id: int, repository: str, mr_iid: int, marker: str, body: str
    ) -> CommentRef:
        return self._inner.upsert_merge_request_note(project_id, repository, mr_iid, marker, body)

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        """The branch's tip in the repository on disk; None when either is missing (the app is refused)."""
        return self._repos.branch_head(repository, branch)

    def clone_access(self, installation_id: int, repository: str) -> CloneAccess:
        """The repository's folder on disk when there is one (no token is needed to read it)."""
        access = self._inner.clone_access(installation_id, repository)
        folder = self._repos.clone_url(repository)
        return access if folder is None else CloneAccess(folder, access.username, access.token)
