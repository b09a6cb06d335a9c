"""What a deployment tells its agent, from the environment (a fly.io machine's, or the local child's)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AgentSettings(BaseSettings):
    """The names are the machine environment's (`services.runtime.handlers.machine_spec` and the boundary that
    adds the report URL and token)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    repository: str = Field(alias="GIT_REPO")  # owner/name
    sha: str = Field(alias="GIT_SHA", pattern="^[0-9a-f]{40}$")
    entrypoint: str = Field(alias="ENTRYPOINT")
    environment_id: str = Field(alias="ENVIRONMENT_ID")
    deployment_id: str = Field(alias="DEPLOYMENT_ID")
    report_url: str = Field(alias="WINGCLOUD_REPORT_URL")
    report_token: str = Field(alias="WINGCLOUD_REPORT_TOKEN")
    logs_url: str | None = Field(None, alias="WINGCLOUD_LOGS_URL")
    correlation_id: str | None = Field(None, alias="WINGCLOUD_CORRELATION_ID")
    # Where to clone from: a URL or a path; default https://github.com/<repository>.git
    git_url: str | None = Field(None, alias="WINGCLOUD_GIT_URL")
    git_token: str | None = Field(None, alias="WINGCLOUD_GIT_TOKEN")  # a short-lived token of the code host
    git_user: str = Field("x-access-token", alias="WINGCLOUD_GIT_USER")  # who the token clones as (GitLab: oauth2)
    secret_names: str = Field("", alias="WINGCLOUD_SECRET_NAMES")  # comma-separated: the app's secrets in env
    # How users reach an endpoint: a template with {label} (a local proxy, fly.io's hostname); default: as served
    endpoint_url: str | None = Field(None, alias="WINGCLOUD_ENDPOINT_URL")
    wing: str | None = Field(None, alias="WINGCLOUD_WING")  # a `wing` to use when the app pins none
    winglang_version: str = Field("0.85.49", alias="WINGCLOUD_WINGLANG_VERSION")
    work_dir: Path = Field(Path("/tmp/wingcloud-agent"), alias="WINGCLOUD_WORK_DIR")
    cache_dir: Path = Field(Path.home() / ".cache" / "wingcloud", alias="WINGCLOUD_CACHE_DIR")
    console_port: int = Field(0, alias="WINGCLOUD_CONSOLE_PORT", ge=0, le=65535)  # 0: any free port
    # serve the endpoints and a health check on this port (fly.io); unset: the endpoints are reached as served
    proxy_port: int | None = Field(None, alias="WINGCLOUD_PROXY_PORT", ge=1, le=65535)
    # once a newer deployment exists, keep serving this long for it to take over the URL (fly.io balances
    # between both machines until this one stops; locally the server retires this one when the next settles)
    superseded_grace: float = Field(300.0, alias="WINGCLOUD_SUPERSEDED_GRACE", ge=0)
    status_file: Path | None = Field(None, alias="WINGCLOUD_STATUS_FILE")  # where a local supervisor reads us

    @property
    def secrets(self) -> list[str]:
        return [name.strip() for name in self.secret_names.split(",") if name.strip()]
