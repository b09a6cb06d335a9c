"""Settings of the local process, from `WINGCLOUD_*` environment variables (pydantic-settings).

Only composition roots read them. Unset credentials select the embedded outside world (the simulator's
fakes); the API token, webhook secret and report-signing key are generated once and kept in the data dir.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_WEBHOOK_BYTES = 25 * 1024 * 1024  # GitHub drops larger events; so do we


class LocalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WINGCLOUD_", extra="ignore")

    github_webhook_secret: SecretStr | None = None
    api_token: SecretStr | None = None
    public_url: str | None = None  # where GitHub and runtimes reach us; default http://host:port

    github_app_id: str | None = None
    github_private_key: SecretStr | None = None  # PEM text
    github_private_key_file: Path | None = None
    github_api_url: str = "https://api.github.com"

    gitlab_webhook_token: SecretStr | None = None  # the secret token GitLab hooks send (X-Gitlab-Token)
    gitlab_token: SecretStr | None = None  # an access token with the api and read_repository scopes
    gitlab_url: str = "https://gitlab.com"  # the GitLab instance

    fly_api_token: SecretStr | None = None
    fly_org: str = "personal"
    fly_region: str | None = None  # required for fly.io: each machine's state volume is created in it
    fly_api_url: str = "https://api.machines.dev"
    # The size of every machine. The Wing simulator and node need 512 MB and more.
    fly_guest_cpus: int = Field(1, ge=1)
    fly_guest_memory_mb: int = Field(1024, ge=256)
    fly_guest_cpu_kind: str = "shared"
    fly_volume_gb: int = Field(1, ge=1)  # the volume that holds a machine's checkout, caches and app state

    dnsimple_token: SecretStr | None = None
    dnsimple_account_id: str | None = None
    dnsimple_api_url: str = "https://api.dnsimple.com"
    dns_zone: str = "wingcloud.test"

    # The image fly.io machines run: built from this repository's Dockerfile and pushed by the operator, e.g.
    # `fly auth docker && docker build -t registry.fly.io/wingcloud-runtime:latest . && docker push ...`.
    runtime_image: str = "registry.fly.io/wingcloud-runtime:latest"
    # Where deployments run: `local` (a runtime agent per deployment on this machine), `flyio`, `simulated`
    # (scripted reports, nothing runs), or `auto`: fly.io with its credentials, else local when there is code to
    # clone (GitHub App credentials or local repositories) and node, else simulated.
    runtime: Literal["auto", "local", "flyio", "simulated"] = "auto"
    local_repos: Path | None = None  # DIR/owner/name are the repositories (`wingcloud serve --repos DIR`)
    wing: str | None = None  # the `wing` deployments use when the app pins none (default: PATH, else installed once)
    # How often a failed delivery is retried (with backoff, within two hours) before it is a dead letter.
    max_retries: int = Field(8, ge=0, le=185)
    runtime_step_seconds: float = 0.3  # pace of the embedded runtime's reports, so the console shows each step
    # Each request must arrive whole within this many seconds of its first byte (slow clients are cut off)
    request_read_seconds: float = Field(10.0, gt=0, le=300)
    max_connections: int = Field(2048, ge=16)  # past it new requests get 503 at once
    fsync: bool = False  # SQLite synchronous=FULL: survive power loss too, not only a process crash
    max_webhook_bytes: int = MAX_WEBHOOK_BYTES
    # Bodies of webhooks and reports whose deliveries are all done are emptied after this many days (their ids
    # stay, for duplicates). GitHub lets an operator redeliver for 3 days (GitHub Enterprise Server: 7).
    inbox_retention_days: float = 7.0
    # Finished history (archived events and their deliveries, traces, the console feed, redriven dead letters)
    # is forgotten after this many days; a replay can reach back this far.
    archive_retention_days: float = Field(30.0, gt=0)

    def github_key_pem(self) -> str | None:
        if self.github_private_key is not None:
            return self.github_private_key.get_secret_value()
        if self.github_private_key_file is not None:
            return self.github_private_key_file.read_text()
        return None


@dataclass(frozen=True)
class Credentials:
    """The process's own secrets, after settings and the data dir's `credentials.json` are merged."""

    api_token: str
    webhook_secret: str
    report_key: bytes
    generated: tuple[str, ...]  # names of the values generated at this start
    gitlab_webhook_token: str = ""


def load_credentials(settings: LocalSettings, data_dir: Path) -> Credentials:
    """Settings win; otherwise the stored value; otherwise a new one, stored 0600 and reported as generated."""
    path = data_dir / "credentials.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    generated = []
    for name, length in (("api_token", 32), ("webhook_secret", 32), ("report_key", 32), ("gitlab_webhook_token", 32)):
        if name not in stored:
            stored[name] = secrets.token_urlsafe(length)
            generated.append(name)
    if generated:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(stored, out)
        os.replace(path.with_suffix(".tmp"), path)
    api = settings.api_token.get_secret_value() if settings.api_token else stored["api_token"]
    hook = (
        settings.github_webhook_secret.get_secret_value()
        if settings.github_webhook_secret
        else stored["webhook_secret"]
    )
    gitlab = (
        settings.gitlab_webhook_token.get_secret_value()
        if settings.gitlab_webhook_token
        else stored["gitlab_webhook_token"]
    )
    shown = tuple(
        n
        for n in generated
        if (n == "api_token" and not settings.api_token)
        or (n == "webhook_secret" and not settings.github_webhook_secret)
        or (n == "gitlab_webhook_token" and not settings.gitlab_webhook_token)
    )
    return Credentials(api, hook, stored["report_key"].encode(), shown, gitlab)
