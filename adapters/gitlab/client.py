"""The `GitLab` port over GitLab's REST API (v4), with one access token.

`WINGCLOUD_GITLAB_TOKEN` is a project, group or personal access token with the `api` scope (notes) and
`read_repository` (clones); `WINGCLOUD_GITLAB_URL` the instance (default https://gitlab.com). Projects are
addressed by id, which survives renames and moves: it is the `installation_id` of GitLab's apps and events.
python-gitlab was weighed and set aside (docs/decisions/0012-gitlab-as-one-service.md): four calls over httpx,
tested through `httpx.MockTransport` like the other clients.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from ports.values import BranchHead, CloneAccess, CommentRef

WEB_URL = "https://gitlab.com"
_PER_PAGE = 100


class GitLabError(RuntimeError):
    """GitLab answered a call with an unexpected status; says which call and what it answered."""


class GitLabClient:
    """Implements `ports.GitLab` with one httpx.Client."""

    def __init__(self, token: str, *, base_url: str = WEB_URL, client: httpx.Client | None = None) -> None:
        self._token = token
        self._web = base_url.rstrip("/")
        self._api = f"{self._web}/api/v4"
        self._http = client or httpx.Client(timeout=10.0)

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        path = f"/projects/{installation_id}/repository/branches/{quote(branch, safe='')}"
        data = self._call("GET", path, {200, 404})
        if data is None or not isinstance(data.get("commit"), dict):
            return None
        commit = data["commit"]
        return BranchHead(sha=str(commit["id"]), message=commit.get("message") or commit.get("title"))

    def clone_access(self, installation_id: int, repository: str) -> CloneAccess:
        """`<instance>/<group>/<project>.git`, cloned as `oauth2` with the access token."""
        return CloneAccess(f"{self._web}/{repository}.git", "oauth2", self._token)

    def upsert_merge_request_note(
        self, project_id: int, repository: str, mr_iid: int, marker: str, body: str
    ) -> CommentRef:
        """Find our note by its marker (the idempotency key) and update it; create it only when absent."""
        text = body if marker in body else f"{body}\n\n{marker}"
        notes = f"/projects/{project_id}/merge_requests/{mr_iid}/notes"
        existing = self._find_note(notes, marker)
        if existing is not None:
            note_id, current = existing
            if current != text:
                self._call("PUT", f"{notes}/{note_id}", {200}, {"body": text})
            return CommentRef(id=note_id, created=False)
        created = self._call("POST", notes, {201}, {"body": text})
        return CommentRef(id=int(created["id"]), created=True)

    def _find_note(self, notes: str, marker: str) -> tuple[int, str] | None:
        page = 1
        while True:
            found = self._call("GET", f"{notes}?sort=asc&order_by=created_at&per_page={_PER_PAGE}&page={page}", {200})
            for note in found:
                if not note.get("system") and marker in (note.get("body") or ""):
                    return int(note["id"]), str(note["body"])
            if len(found) < _PER_PAGE:
                return None
            page += 1

    def _call(self, method: str, path: str, ok: set[int], payload: dict[str, Any] | None = None) -> Any:
        headers = {"PRIVATE-TOKEN": self._token, "Accept": "application/json"}
        response = self._http.request(method, self._api + path, headers=headers, json=payload)
        if response.status_code not in ok:
            raise GitLabError(
                f"GitLab {method} {path.split('?')[0]} answered {response.status_code}: {response.text[:300]}"
            )
        if response.status_code == 404:
            return None
        return response.json() if response.content else None
