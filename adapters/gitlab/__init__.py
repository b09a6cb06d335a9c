"""GitLab: a real `GitLab` port over httpx and the webhook token check."""

from adapters.gitlab.client import GitLabClient, GitLabError
from adapters.gitlab.webhooks import TokenError, verify_token

__all__ = ["GitLabClient", "GitLabError", "TokenError", "verify_token"]
