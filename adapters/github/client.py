"""The `GitHub` port over the GitHub REST API, authenticated as a GitHub App.

App JWT (RS256, at most 10 minutes) -> installation access token (cached until shortly before it expires)
-> installation-scoped calls. The App's own endpoints (`/app/hook/config`) take the JWT itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import jwt

from ports.values import BranchHead, CloneAccess, CommentRef

API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
_JWT_TTL = 9 * 60  # GitHub refuses exp more than 10 minutes ahead; leave room for clock drift
_JWT_BACKDATE = 60  # iat in the past, as GitHub recommends, against clock drift
_TOKEN_MARGIN = 60
# A token handed out (to a machine that boots, then clones with it) must outlive that; GitHub's last an hour.
_HANDOUT_MARGIN = 15 * 60
_PER_PAGE = 100


class GitHubError(RuntimeError):
    """GitHub answered a call with an unexpected status."""


class GitHubAppClient:
    """Implements `ports.GitHub` with one httpx.Client; thread-safe token cache."""

    def __init__(
        self,
        app_id: str,
        private_key: str,
        *,
        client: httpx.Client | None = None,
        base_url: str = API_URL,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._app_id = app_id
        self._private_key = private_key
        self._http = client or httpx.Client(timeout=10.0)
        self._base = base_url.rstrip("/")
        self._now = now
        self._tokens: dict[int, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def app_jwt(self) -> str:
        """A fresh App JWT: iss = App id (or client id), signed RS256 with the App's private key."""
        now = int(self._now())
        claims = {"iat": now - _JWT_BACKDATE, "exp": now + _JWT_TTL, "iss": self._app_id}
        return jwt.encode(claims, self._private_key, algorithm="RS256")

    def installation_token(self, installation_id: int) -> str:
        """An installation token valid for at least 15 more minutes, to hand to a deployment's clone."""
        return self._token(installation_id, _HANDOUT_MARGIN)

    def _token(self, installation_id: int, margin: float = _TOKEN_MARGIN) -> str:
        """The cached installation token unless it expires within `margin` seconds, else a new one."""
        with self._lock:
            cached = self._tokens.get(installation_id)
            if cached and cached[1] - margin > self._now():
                return cached[0]
        data = self._call("POST", f"/app/installations/{installation_id}/access_tokens", self.app_jwt(), {201})
        expires = datetime.fromisoformat(str(data["expires_at"]).replace("Z", "+00:00")).timestamp()
        with self._lock:
            self._tokens[installation_id] = (str(data["token"]), expires)
        return str(data["token"])

    def clone_access(self, installation_id: int, repository: str) -> CloneAccess:
        """`https://github.com/<repository>.git` (or the Enterprise server's) with an installation token."""
        web = "https://github.com" if self._base == API_URL else self._base.removesuffix("/api/v3")
        return CloneAccess(f"{web}/{repository}.git", "x-access-token", self.installation_token(installation_id))

    def upsert_pull_request_comment(
        self, installation_id: int, repository: str, pr_number: int, marker: str, body: str
    ) -> CommentRef:
        """Find our comment by its marker (the idempotency key) and update it; create it only when absent."""
        token = self._token(installation_id)
        text = body if marker in body else f"{body}\n\n{marker}"
        existing = self._find_comment(token, repository, pr_number, marker)
        if existing is not None:
            comment_id, current = existing
            if current != text:
                self._call("PATCH", f"/repos/{repository}/issues/comments/{comment_id}", token, {200}, {"body": text})
            return CommentRef(id=comment_id, created=False)
        created = self._call("POST", f"/repos/{repository}/issues/{pr_number}/comments", token, {201}, {"body": text})
        return CommentRef(id=int(created["id"]), created=True)

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        token = self._token(installation_id)
        data = self._call("GET", f"/repos/{repository}/branches/{quote(branch, safe='')}", token, {200, 404})
        if data is None or "commit" not in data:
            return None
        commit = data["commit"]
        return BranchHead(sha=str(commit["sha"]), message=(commit.get("commit") or {}).get("message"))

    def update_webhook_url(self, url: str) -> None:
        self._call("PATCH", "/app/hook/config", self.app_jwt(), {200}, {"url": url, "content_type": "json"})

    def _find_comment(self, token: str, repository: str, pr_number: int, marker: str) -> tuple[int, str] | None:
        page = 1
        while True:
            path = f"/repos/{repository}/issues/{pr_number}/comments?per_page={_PER_PAGE}&page={page}"
            comments = self._call("GET", path, token, {200})
            for comment in comments:
                if marker in (comment.get("body") or ""):
                    return int(comment["id"]), str(comment["body"])
            if len(comments) < _PER_PAGE:
                return None
            page += 1

    def _call(self, method: str, path: str, bearer: str, ok: set[int], payload: dict[str, Any] | None = None) -> Any:
        headers = {
            "Authorization": f"Bearer {bearer}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        response = self._http.request(method, self._base + path, headers=headers, json=payload)
        if response.status_code not in ok:
            raise GitHubError(
                f"GitHub {method} {path.split('?')[0]} answered {response.status_code}: {response.text[:300]}"
            )
        return response.json() if response.content else None
