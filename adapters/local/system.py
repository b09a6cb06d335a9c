"""The composition root of the local process: tables, bus, worker, inbox, the outside world and the services."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import httpx

from adapters.dns import DnsimpleClient
from adapters.flyio import MachinesClient
from adapters.github import GitHubAppClient
from adapters.local import outbox
from adapters.local.db import Database
from adapters.local.embedded import EmbeddedWorld, open_world
from adapters.local.inbox import SCHEMA as INBOX_SCHEMA
from adapters.local.inbox import Arrival, Inbox
from adapters.local.local_world import FileKeyService, RandomIds, SystemClock
from adapters.local.notify import Notifier
from adapters.local.reports import CredentialedFlyIO, ReportTokens, RuntimePlayer, arrival
from adapters.local.store import (
    SqliteApps,
    SqliteBlobs,
    SqliteDedupe,
    SqliteEnvironments,
    SqliteFeed,
    SqliteKeyValue,
    SqliteSecrets,
)
from adapters.local.worker import Edges, Worker
from adapters.settings import Credentials, LocalSettings, load_credentials
from bus.retry import RetryPolicy
from bus.routing import Router
from events import Event
from ports import DNS, FlyIO, GitHub, Handler, Ports, RuntimeReport, ServiceDefinition, Settings
from spec.contract import Contract

log = logging.getLogger("wingcloud")
R = TypeVar("R")
ACCOUNT = "000000000000"


@dataclass
class System:
    """Everything the HTTP layer talks to. Build with `build_system`, then `start()` / `stop()`."""

    settings: LocalSettings
    credentials: Credentials
    base_url: str
    db: Database
    router: Router
    ports: Ports
    worker: Worker
    inbox: Inbox
    notifier: Notifier
    tokens: ReportTokens
    services: tuple[ServiceDefinition, ...]
    embedded: EmbeddedWorld | None = None
    player: RuntimePlayer | None = None
    outside: dict[str, str] = field(default_factory=dict)  # port -> "embedded" | the real API's URL
    _background: bool = False

    def start(self, *, background: bool = True) -> None:
        """Start the inbox writer; with `background`, also the worker and the embedded runtime (tests that
        drive delivery step by step leave them off)."""
        self.inbox.start()
        self._background = background
        if background:
            self.worker.start()
            if self.player is not None:
                self.player.start()

    def stop(self) -> None:
        if self._background:
            if self.player is not None:
                self.player.stop()
            self.worker.stop()
        self.inbox.stop()
        if self.embedded is not None:
            self.embedded.journal.close()

    def committed(self) -> None:
        """Something was committed: wake the worker and the live timeline."""
        self.worker.wake.set()
        self.notifier.notify()

    def command(
        self, service: str, run: Callable[[Ports], tuple[R, Sequence[Event]]], *, correlation_id: str | None = None
    ) -> R:
        """Run an edge command and publish its events in one transaction (call from a worker thread)."""
        with self.db.writing() as conn:
            result, events = run(self.ports)
            envelopes = self.worker.seal(service, list(events), correlation_id, None)
            outbox.publish(conn, self.router, envelopes)
        if envelopes:
            self.committed()
        return result

    def prune_inbox(self) -> int:
        """Empty the inbox bodies past their retention whose work is done (call from a worker thread)."""
        cutoff = outbox.iso(outbox.now_ts() - self.settings.inbox_retention_days * 86400)
        pruned = self.inbox.prune_bodies(self.db.connection(), cutoff)
        if pruned:
            log.info("emptied %d inbox bodies older than %s days", pruned, self.settings.inbox_retention_days)
        return pruned

    def report_arrival(self, report: RuntimeReport, report_id: str) -> Arrival:
        return arrival(self.db.connection(), report, report_id)


def _handlers(router: Router, services: Sequence[ServiceDefinition]) -> dict[str, Handler]:
    by_rule: dict[str, Handler] = {}
    for definition in services:
        router.check_handlers(definition, require_all=False)
        for rule in router.rules_of(definition.name):
            handler = next((h for cls, h in definition.handlers.items() if cls.__name__ == rule.message), None)
            if handler is not None:
                by_rule[rule.name] = handler
    return by_rule


@functools.cache
def spec_router() -> Router:
    """The spec's rules, compiled once per process (the spec does not change while we run)."""
    return Router(Contract.load())


DEFAULT_RETRY = RetryPolicy(maximum_attempts=8, maximum_event_age=timedelta(hours=2))


def build_system(
    settings: LocalSettings, data_dir: Path, base_url: str, *, retry: RetryPolicy = DEFAULT_RETRY
) -> System:
    from services import ALL_SERVICES
    from services.github import WebhookRejectedError, ingest_webhook
    from services.runtime.reports import InvalidReportError, accept_report

    data_dir.mkdir(parents=True, exist_ok=True)
    credentials = load_credentials(settings, data_dir)
    public = (settings.public_url or base_url).rstrip("/")
    db = Database(data_dir / "wingcloud.sqlite3", durable=settings.fsync)
    router = spec_router()
    tokens = ReportTokens(credentials.report_key)
    github, flyio, dns, embedded, outside = _outside_world(settings, data_dir)
    flyio = CredentialedFlyIO(flyio, tokens, f"{public}/runtime/reports")
    conn = db.connection
    ports = Ports(
        clock=SystemClock(),
        ids=RandomIds(),
        github=github,
        flyio=flyio,
        dns=dns,
        keys=FileKeyService(data_dir / "master.key"),
        blobs=SqliteBlobs(conn),
        apps=SqliteApps(conn),
        environments=SqliteEnvironments(conn),
        secrets=SqliteSecrets(conn),
        dedupe=SqliteDedupe(conn),
        kv=SqliteKeyValue(conn),
        feed=SqliteFeed(conn),
        settings=Settings(console_url=public, dns_zone=settings.dns_zone, runtime_image=settings.runtime_image),
    )
    notifier = Notifier()
    system_ref: list[System] = []

    def committed() -> None:
        system_ref[0].committed()

    inbox_db = Database(data_dir / "inbox.sqlite3", durable=settings.fsync, schema=INBOX_SCHEMA, autocheckpoint=False)
    inbox = Inbox(inbox_db, committed)
    worker = Worker(
        db,
        router,
        _handlers(router, ALL_SERVICES),
        ports,
        Edges(ingest_webhook, accept_report, (WebhookRejectedError, InvalidReportError)),
        policy=retry,
        account=ACCOUNT,
        on_commit=notifier.notify,
        inbox=inbox,
    )
    system = System(
        settings,
        credentials,
        public,
        db,
        router,
        ports,
        worker,
        inbox,
        notifier,
        tokens,
        ALL_SERVICES,
        embedded=embedded,
        outside=outside,
    )
    system_ref.append(system)
    if embedded is not None and outside["flyio"] == "embedded":

        def submit(report: RuntimeReport, report_id: str) -> bool:
            return inbox.put(system.report_arrival(report, report_id))

        system.player = RuntimePlayer(embedded.flyio.fake, submit, settings.runtime_step_seconds)
    return system


def _outside_world(
    settings: LocalSettings, data_dir: Path
) -> tuple[GitHub, FlyIO, DNS, EmbeddedWorld | None, dict[str, str]]:
    """Real clients where credentials are set; otherwise the simulator's fakes, journaled in the data dir."""
    pem = settings.github_key_pem()
    real_github = bool(settings.github_app_id and pem)
    real_dns = bool(settings.dnsimple_token and settings.dnsimple_account_id)
    embedded = None
    if not (real_github and settings.fly_api_token and real_dns):
        embedded = open_world(data_dir / "outside.sqlite3")
    outside: dict[str, str] = {}
    github: GitHub
    flyio: FlyIO
    dns: DNS
    if settings.github_app_id and pem:
        github = GitHubAppClient(
            settings.github_app_id, pem, client=httpx.Client(timeout=10), base_url=settings.github_api_url
        )
        outside["github"] = settings.github_api_url
    else:
        assert embedded is not None
        github, outside["github"] = embedded.github, "embedded"
    if settings.fly_api_token:
        token = settings.fly_api_token.get_secret_value()
        flyio = MachinesClient(token, settings.fly_org, region=settings.fly_region, base_url=settings.fly_api_url)
        outside["flyio"] = settings.fly_api_url
    else:
        assert embedded is not None
        flyio, outside["flyio"] = embedded.flyio, "embedded"
    if settings.dnsimple_token and settings.dnsimple_account_id:
        token = settings.dnsimple_token.get_secret_value()
        dns = DnsimpleClient(token, settings.dnsimple_account_id, base_url=settings.dnsimple_api_url)
        outside["dns"] = settings.dnsimple_api_url
    else:
        assert embedded is not None
        dns, outside["dns"] = embedded.dns, "embedded"
    return github, flyio, dns, embedded, outside
