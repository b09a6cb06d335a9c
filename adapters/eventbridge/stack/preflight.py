"""What `wingcloud deploy` does around the stack: make the ingress secret, and tell GitHub where to send webhooks.

The ingress secret (Secrets Manager, JSON: `github_webhook_secret`, `api_token`, `report_key`,
`gitlab_webhook_token`) is made once per
stack with random values and kept across deploys; no value is in the template or its parameters. The preflight
(the RFC's "update webhook URL on deploy") points the GitHub App's webhook at the deployed ingress with
`PATCH /app/hook/config`, authenticated as the App (its JWT), and sets the webhook secret to the stack's.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from botocore.exceptions import ClientError

from adapters.github.client import API_URL, API_VERSION, GitHubAppClient

FIELDS = ("github_webhook_secret", "api_token", "report_key", "gitlab_webhook_token")


class PreflightError(RuntimeError):
    """GitHub did not take the webhook configuration; says what it answered."""


@dataclass(frozen=True)
class IngressSecretRef:
    arn: str
    created: bool  # made (or completed) by this deploy


def ensure_ingress_secret(secretsmanager: Any, stack_name: str) -> IngressSecretRef:
    """The stack's ingress secret `wingcloud/<stack>/ingress`, made or completed with random values."""
    name = f"wingcloud/{stack_name}/ingress"
    try:
        found = secretsmanager.get_secret_value(SecretId=name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        value = {field: secrets.token_urlsafe(32) for field in FIELDS}
        made = secretsmanager.create_secret(
            Name=name,
            Description="wing.cloud ingress: GitHub webhook secret, GitLab webhook token, API token, runtime report key",
            SecretString=json.dumps(value),
        )
        return IngressSecretRef(str(made["ARN"]), True)
    value = json.loads(found["SecretString"])
    missing = [field for field in FIELDS if not value.get(field)]
    if missing:
        value |= {field: secrets.token_urlsafe(32) for field in missing}
        secretsmanager.put_secret_value(SecretId=name, SecretString=json.dumps(value))
    return IngressSecretRef(str(found["ARN"]), bool(missing))


def read_secret(secretsmanager: Any, arn: str) -> dict[str, str]:
    value: dict[str, str] = json.loads(secretsmanager.get_secret_value(SecretId=arn)["SecretString"])
    return value


def point_github_app(
    webhook_url: str,
    webhook_secret: str,
    app_id: str,
    private_key: str,
    *,
    client: httpx.Client | None = None,
    base_url: str = API_URL,
) -> None:
    """`PATCH /app/hook/config`: the App's webhook goes to `webhook_url`, signed with `webhook_secret`."""
    if not webhook_url.startswith("https://"):
        raise PreflightError(f"GitHub sends webhooks only to an https URL, got {webhook_url!r}")
    http = client or httpx.Client(timeout=10.0)
    app_jwt = GitHubAppClient(app_id, private_key, client=http, base_url=base_url).app_jwt()
    response = http.patch(
        f"{base_url.rstrip('/')}/app/hook/config",
        headers={
            "Authorization": f"Bearer {app_jwt}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        },
        json={"url": webhook_url, "content_type": "json", "secret": webhook_secret, "insecure_ssl": "0"},
    )
    if response.status_code != 200:
        raise PreflightError(
            f"GitHub answered {response.status_code} to PATCH /app/hook/config for App {app_id}: {response.text[:300]}"
        )
