"""GitHub App: a real `GitHub` port over httpx and the webhook signature check."""

from adapters.github.client import GitHubAppClient, GitHubError
from adapters.github.webhooks import SignatureError, sign, verify_signature

__all__ = ["GitHubAppClient", "GitHubError", "SignatureError", "sign", "verify_signature"]
