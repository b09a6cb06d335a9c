"""The Lambda composition root: settings from the environment, and the `Ports` of one service built from them.

A port whose AWS resource the function was not granted (per the template's least-privilege role) is a stub
that raises `PortNotGrantedError` naming the service and the port, so an undeclared dependency fails loudly
and identically on moto (which does not enforce IAM) and on AWS. Nothing here connects at import time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.eventbridge.function.state import (
    DynamoApps,
    DynamoEnvironments,
    DynamoFeed,
    DynamoKeyValue,
    DynamoSecretStore,
    DynamoUsage,
    KmsKeyService,
    S3BlobStore,
)
from adapters.wallclock import RandomIds, SystemClock
from ports import (
    DNS,
    Apps,
    BlobStore,
    Clock,
    Environments,
    Feed,
    FlyIO,
    GitHub,
    GitLab,
    Ids,
    KeyService,
    KeyValue,
    Ports,
    SecretStore,
    Settings,
    Usage,
)
from ports.records import KeyValueComments, KeyValueLogIndex, KeyValueMachines, KeyValueRetiredNames
from services.secrets import StoredSecretReader

WRITE_METHODS = frozenset({"put", "create", "delete", "append", "delete_prefix", "push", "generate_data_key"})


class LambdaSettings(BaseSettings):
    """Everything a function reads from its environment (names as in the template: `WINGCLOUD_*`)."""

    model_config = SettingsConfigDict(env_prefix="WINGCLOUD_", extra="ignore")

    service: str
    event_bus_name: str
    apps_table: str | None = None
    environments_table: str | None = None
    ledger_table: str | None = None
    kv_table: str | None = None
    secrets_table: str | None = None
    feed_table: str | None = None
    usage_table: str | None = None
    logs_bucket: str | None = None
    kms_key_id: str | None = None
    read_only_stores: str = ""
    outside_credentials_secret: str | None = None
    ingress_secret: str | None = None  # holds the report key (the runtime signs its machines' report tokens)
    public_url: str | None = None  # the ingress URL: machines report to <public_url>/runtime/reports
    console_url: str = Settings.console_url
    dns_zone: str = Settings.dns_zone
    runtime_image: str = Settings.runtime_image
    stale_preview_seconds: int = Settings.stale_preview_seconds

    def handler_settings(self) -> Settings:
        return Settings(
            console_url=self.console_url,
            console_page=False,  # the ingress serves the API and the doors: a console link would answer 404
            dns_zone=self.dns_zone,
            runtime_image=self.runtime_image,
            stale_preview_seconds=self.stale_preview_seconds,
        )

    @property
    def read_only(self) -> frozenset[str]:
        return frozenset(name.strip() for name in self.read_only_stores.split(",") if name.strip())


class PortNotGrantedError(PermissionError):
    """A handler used a port its function has no grant for."""

    def __init__(self, service: str, port: str, method: str, why: str) -> None:
        super().__init__(f"service {service!r} called {port}.{method}, but {why}")


class _Denied:
    """Stands in for a port the function may not use at all."""

    def __init__(self, service: str, port: str, why: str) -> None:
        self._service, self._port, self._why = service, port, why

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def deny(*_args: object, **_kwargs: object) -> Any:
            raise PortNotGrantedError(self._service, self._port, method, self._why)

        return deny


class _ReadOnly:
    """Passes reads through to the real port and refuses writes, as the read-only IAM grant would."""

    def __init__(self, inner: object, service: str, port: str) -> None:
        self._inner, self._service, self._port = inner, service, port

    def __getattr__(self, method: str) -> Any:
        if method in WRITE_METHODS:
            raise PortNotGrantedError(self._service, self._port, method, "its grant is read-only")
        return getattr(self._inner, method)


@dataclass(frozen=True)
class Outside:
    """What is not AWS: the outside world's ports, and time and ids. In the offline tests, the simulator's."""

    github: GitHub
    flyio: FlyIO
    dns: DNS
    clock: Clock = field(default_factory=SystemClock)
    ids: Ids = field(default_factory=RandomIds)
    gitlab: GitLab | None = None  # None: a GitLab call fails naming the service (no client was given)


class AwsClients:
    """boto3 clients made on first use, one per service name, all with the same session and endpoint."""

    def __init__(self, session: Any = None, endpoint_url: str | None = None) -> None:
        self._session, self._endpoint = session, endpoint_url
        self._clients: dict[str, Any] = {}

    def __call__(self, name: str, *, attempts: int = 5) -> Any:
        """The client for `name`; `attempts` bounds botocore's standard retries (1 for a mere probe)."""
        key = f"{name}/{attempts}"
        if key not in self._clients:
            import boto3
            from botocore.config import Config

            session = self._session or boto3.session.Session()
            config = Config(retries={"mode": "standard", "max_attempts": attempts})
            self._clients[key] = session.client(name, endpoint_url=self._endpoint, config=config)
        return self._clients[key]


def build_ports(
    settings: LambdaSettings, clients: AwsClients, outside: Outside | None = None, dynamo: Any = None
) -> Ports:
    """The service's ports: granted stores on AWS, the rest denied; outside ports given or from credentials.
    `dynamo`: the DynamoDB client the stores use (the consumer's `TransactionalDynamo`)."""
    service = settings.service

    def store(port: str, name: str, resource: str | None, make: Callable[[str], object]) -> Any:
        if resource is None:
            return _Denied(service, port, f"its function has no grant for the {name} store")
        built = make(resource)
        return _ReadOnly(built, service, port) if name in settings.read_only else built

    outside = outside or _outside_from_secret(settings, clients)
    table_client = dynamo if dynamo is not None else clients("dynamodb")

    keys = cast(
        KeyService, store("KeyService", "keys", settings.kms_key_id, lambda r: KmsKeyService(clients("kms"), r))
    )
    secrets = cast(
        SecretStore,
        store("SecretStore", "secrets", settings.secrets_table, lambda r: DynamoSecretStore(table_client, r)),
    )
    # the small typed ports keep their records in the function's own namespace of the key-value table
    kv = cast(KeyValue, store("KeyValue", "kv", settings.kv_table, lambda r: DynamoKeyValue(table_client, r, service)))
    return Ports(
        clock=outside.clock,
        ids=outside.ids,
        github=outside.github,
        gitlab=outside.gitlab or cast(GitLab, _Denied(service, "GitLab", "no GitLab client was given")),
        flyio=_reporting(settings, clients, outside.flyio),
        dns=outside.dns,
        keys=keys,
        blobs=cast(
            BlobStore, store("BlobStore", "logs", settings.logs_bucket, lambda r: S3BlobStore(clients("s3"), r))
        ),
        apps=cast(Apps, store("Apps", "apps", settings.apps_table, lambda r: DynamoApps(table_client, r))),
        environments=cast(
            Environments,
            store(
                "Environments",
                "environments",
                settings.environments_table,
                lambda r: DynamoEnvironments(table_client, r),
            ),
        ),
        secrets=secrets,
        secret_reader=StoredSecretReader(secrets, keys),
        feed=cast(Feed, store("Feed", "feed", settings.feed_table, lambda r: DynamoFeed(table_client, r))),
        comments=KeyValueComments(kv),
        machines=KeyValueMachines(kv),
        log_index=KeyValueLogIndex(kv),
        retired_names=KeyValueRetiredNames(kv),
        usage=cast(Usage, store("Usage", "usage", settings.usage_table, lambda r: DynamoUsage(table_client, r))),
        settings=settings.handler_settings(),
    )


def _reporting(settings: LambdaSettings, clients: AwsClients, flyio: FlyIO) -> FlyIO:
    """fly.io as the runtime service uses it: every machine gets the report and log URLs of the ingress and its
    deployment's token, as `wingcloud serve` gives them (`CredentialedFlyIO`)."""
    if not settings.public_url:
        return flyio
    from adapters.eventbridge.function.credentials import IngressSecret
    from adapters.http.reports import CredentialedFlyIO, ReportTokens

    secret = IngressSecret(clients("secretsmanager"), settings.ingress_secret)
    return CredentialedFlyIO(flyio, ReportTokens(lambda: secret().report_key), settings.public_url.rstrip("/"))


def _outside_from_secret(settings: LambdaSettings, clients: AwsClients) -> Outside:
    """Real GitHub / GitLab / fly.io / dnsimple clients from one JSON secret, fetched when a port is first used."""
    cache: dict[str, dict[str, str]] = {}

    def credentials() -> dict[str, str]:
        if "value" not in cache:
            if not settings.outside_credentials_secret:
                raise PortNotGrantedError(
                    settings.service, "outside world", "credentials", "WINGCLOUD_OUTSIDE_CREDENTIALS_SECRET is not set"
                )
            raw = clients("secretsmanager").get_secret_value(SecretId=settings.outside_credentials_secret)
            cache["value"] = json.loads(raw["SecretString"])
        return cache["value"]

    def github() -> object:
        from adapters.github.client import GitHubAppClient

        c = credentials()
        return GitHubAppClient(c["github_app_id"], c["github_private_key"])

    def flyio() -> object:
        from adapters.flyio.client import MachinesClient

        c = credentials()
        return MachinesClient(c["fly_api_token"], c["fly_org_slug"], region=c.get("fly_region"))

    def dns() -> object:
        from adapters.dns.client import DnsimpleClient

        c = credentials()
        return DnsimpleClient(c["dnsimple_token"], c["dnsimple_account_id"])

    def gitlab() -> object:
        from adapters.gitlab.client import GitLabClient

        c = credentials()
        return GitLabClient(c["gitlab_token"], base_url=c.get("gitlab_url", "https://gitlab.com"))

    return Outside(
        github=cast(GitHub, _Lazy(github)),
        flyio=cast(FlyIO, _Lazy(flyio)),
        dns=cast(DNS, _Lazy(dns)),
        gitlab=cast(GitLab, _Lazy(gitlab)),
    )


class _Lazy:
    """Builds the real client on its first method call (so a cold start touches nothing it does not use)."""

    def __init__(self, make: Callable[[], object]) -> None:
        self._make = make
        self._inner: object | None = None

    def __getattr__(self, name: str) -> Any:
        if self._inner is None:
            self._inner = self._make()
        return getattr(self._inner, name)
