"""The ingress secret (Secrets Manager): the GitHub webhook secret, GitLab's webhook token, the API token and the
report key.

One JSON secret per stack, made by `wingcloud deploy` (never by the template, so no value is in a template
or a stack's parameters). Read through Powertools' `SecretsProvider`, which caches it for `max_age` seconds:
a rotated value is picked up by warm containers within five minutes, and a cold start costs one
GetSecretValue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FIELDS = ("github_webhook_secret", "api_token", "report_key", "gitlab_webhook_token")
MAX_AGE = 300


class IngressSecretError(LookupError):
    """The ingress secret is missing, unreadable, or lacks a field; names which."""


@dataclass(frozen=True)
class IngressCredentials:
    webhook_secret: str
    api_token: str
    report_key: bytes
    gitlab_webhook_token: str


class IngressSecret:
    """Reads the secret `arn` when asked (never at import or construction)."""

    def __init__(self, client: Any, arn: str | None, *, max_age: int = MAX_AGE) -> None:
        self._client, self._arn, self._max_age = client, arn, max_age
        self._provider: Any = None

    def __call__(self) -> IngressCredentials:
        if not self._arn:
            raise IngressSecretError("WINGCLOUD_INGRESS_SECRET is not set: the function has no ingress secret")
        if self._provider is None:
            from aws_lambda_powertools.utilities.parameters import SecretsProvider

            self._provider = SecretsProvider(boto3_client=self._client)
        try:
            value = self._provider.get(self._arn, max_age=self._max_age, transform="json")
        except Exception as error:  # Powertools wraps boto3's errors; say which secret and why
            raise IngressSecretError(f"cannot read the ingress secret {self._arn}: {error}") from error
        if not isinstance(value, dict):
            raise IngressSecretError(f"the ingress secret {self._arn} is not a JSON object")
        missing = [name for name in FIELDS if not value.get(name)]
        if missing:
            raise IngressSecretError(f"the ingress secret {self._arn} lacks {', '.join(missing)}")
        return IngressCredentials(
            str(value["github_webhook_secret"]),
            str(value["api_token"]),
            str(value["report_key"]).encode(),
            str(value["gitlab_webhook_token"]),
        )
