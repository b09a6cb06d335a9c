"""The local process's wiring: SQLite tables, the kernel's targets and sealer, the worker, the inbox, and the
outside world it is given (real clients or the embedded fakes: `wingcloud.outside` decides)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from adapters.http.clone_access import find_clone_access
from adapters.http.errors import ApiError
from adapters.http.reports import CredentialedFlyIO, ReportTokens, report_arrival
from adapters.local import outbox, views
from adapters.local.calls import CallLog, RecordedDNS, RecordedFlyIO, RecordedGitHub, RecordedGitLab, calling
from adapters.local.db import Checkpointer, Database
from adapters.local.inbox import SCHEMA as INBOX_SCHEMA
from adapters.local.inbox import VERSION as INBOX_VERSION
from adapters.local.inbox import Inbox, InboxClosedError
from adapters.local.keys import FileKeyService
from adapters.local.notify import Notifier
from adapters.local.store import (
    SqliteApps,
    SqliteBlobs,
    SqliteEnvironments,
    SqliteFeed,
    SqliteKeyValue,
    SqliteSecrets,
    SqliteUsage,
)
from adapters.local.unit import transaction
from adapters.local.worker import Worker
from adapters.settings import Credentials, LocalSettings, load_credentials
from adapters.wallclock import RandomIds, SystemClock
from bus.delivery import Target, command
from bus.retry import RetryPolicy
from bus.routing import Router, Sealer, targets_of
from events import Event
from ports import (
    DNS,
    Arrival,
    Clock,
    CloneAccess,
    Environments,
    FlyIO,
    GitHub,
    GitLab,
    Ports,
    RuntimeReport,
    ServiceDefinition,
    Settings,
)
from ports.records import KeyValueComments, KeyValueLogIndex, KeyValueMachines, KeyValueRetiredNames
from services.secrets import StoredSecretReader
from spec.contract import Contract

if TYPE_CHECKING:
    from adapters.local.machines import LocalMachines

log = logging.getLogger("wingcloud")
R = TypeVar("R")
ACCOUNT = "000000000000"
REGION = "local"


class Background(Protocol):
    """Something that runs beside the server while it runs (the embedded runtime)."""

    def start(self) -> None: ...
    def stop(self) -> None: ...


@dataclass
class Outside:
    """The outside world of a local process: a client per port, and what each is ("embedded" or its URL)."""

    github: GitHub
    flyio: FlyIO
    dns: DNS
    described: dict[str, str]
    close: Callable[[], None] = lambda: None
    machines: LocalMachines | None = None  # the local runtime's, when deployments run on this machine
    reset: Callable[[], None] = lambda: None  # forget what the embedded outside world holds (the console's reset)
    gitlab: GitLab = field(kw_only=True)
    # the embedded outside world's journal, held for a batch of the worker (`sim.embedded.Journal.held`)
    hold: Callable[[], AbstractContextManager[None]] = field(default=nullcontext, kw_only=True)


@dataclass
class System:
    """Everything the HTTP layer talks to. Build with `build_system`, then `start()` / `stop()`."""

    settings: LocalSettings
    credentials: Credentials
    base_url: str
    db: Database
    router: Router
    ports: Ports
    seal: Sealer
    worker: Worker
    inbox: Inbox
    notifier: Notifier
    tokens: ReportTokens
    services: tuple[ServiceDefinition, ...]
    doors: dict[str, Target]
    outside: Outside
    calls: CallLog  # every call to GitHub, fly.io and DNS (the console's outside-world panel)
    background: list[Background] = field(default_factory=list)
    checkpointer: Checkpointer = field(init=False)
    _running: bool = False

    def __post_init__(self) -> None:
        self.checkpointer = Checkpointer(self.db)

    def start(self, *, background: bool = True) -> None:
        """Start the inbox's housekeeping; with `background`, also the worker and what runs beside it (tests
        that drive delivery step by step leave them off)."""
        self.inbox.start()
        self.checkpointer.start()
        self._running = background
        if background:
            self.worker.start()
            for runner in self.background:
                runner.start()

    def stop(self) -> None:
        if self._running:
            for runner in self.background:
                runner.stop()
            self.worker.stop()
        self.inbox.stop()
        self.checkpointer.stop()
        self.outside.close()
        self.calls.close()

    def committed(self) -> None:
        """Something was committed: wake the worker and the live timeline."""
        self.worker.wake.set()
        self.notifier.notify()

    def command(
        self, service: str, work: Callable[[Ports], tuple[R, Sequence[Event]]], *, correlation_id: str | None = None
    ) -> R:
        """An API command and its events in one transaction (call from a worker thread)."""
        begin = lambda: transaction(self.db, self.ports, self.router)  # noqa: E731
        correlation_id = correlation_id or self.ports.ids.new("req")
        with calling(service, None, correlation_id):
            result, published = command(service, work, begin, self.seal, correlation_id)
        if published:
            self.committed()
        return result

    def admit(self, arrival: Arrival) -> None:
        """Check an arrival at its door (raises the edge's rejection: the door answers 400)."""
        edge = next(s.edges[arrival.door] for s in self.services if arrival.door in s.edges)
        edge.admit(arrival)

    # --- what the HTTP surface needs (adapters.http.backend.Backend) ----------------------------------------

    @property
    def webhook_secret(self) -> str:
        return self.credentials.webhook_secret

    @property
    def gitlab_webhook_token(self) -> str:
        return self.credentials.gitlab_webhook_token

    @property
    def max_webhook_bytes(self) -> int:
        return self.settings.max_webhook_bytes

    @property
    def described(self) -> dict[str, str]:
        return self.outside.described

    async def store(self, arrival: Arrival) -> bool:
        """Commit an admitted arrival to the inbox (group commit) before the door answers."""
        try:
            return await self.inbox.accept(arrival)
        except InboxClosedError:
            raise ApiError(
                503, "wingcloud is shutting down; nothing was stored, send it again", "unavailable"
            ) from None

    def current_environments(self) -> Environments:
        return self.ports.environments

    def clone_access(self, environment_id: str) -> CloneAccess | None:
        with calling("runtime", None, None):  # the console's outside panel: the runtime's call, not an unknown's
            return find_clone_access(self.ports, environment_id)

    def dead_letters(self) -> list[dict[str, Any]]:
        return outbox.dead_letters(self.db.connection())

    def trace(self, correlation_id: str) -> dict[str, Any] | None:
        return views.trace_view(self.db.connection(), correlation_id)

    def timeline(self, after: int, limit: int) -> list[dict[str, Any]]:
        return views.timeline(self.db.connection(), after, limit)

    def report(self, report: RuntimeReport, report_id: str) -> bool:
        """A runtime report through the report door, from this process (the embedded runtime); True if new."""
        arrival = report_arrival(report, report_id)
        self.admit(arrival)
        return self.inbox.put(arrival)

    def redrive(self, letter_id: str) -> None:
        """Deliver a dead letter again with fresh attempts (raises RedriveError: unknown, done, no target)."""
        now = self.ports.clock.now()
        with self.db.writing() as conn:
            kind, ref, target_name = outbox.redrive(conn, letter_id, now)
            target = self.worker.targets[target_name]
            parcel = outbox.envelope_of(conn, ref) if kind == outbox.EVENT else self.inbox.arrival(ref)
            facts = {"source": target.trigger, "target_service": target.service, "target": target.name}
            outbox.trace(conn, "redriven", parcel, now, **facts)
        self.committed()

    def prune_inbox(self) -> int:
        """Empty the inbox bodies past their retention whose work is done (call from a worker thread)."""
        cutoff = outbox.iso(outbox.now_ts() - self.settings.inbox_retention_days * 86400)
        pruned = self.inbox.prune_bodies(self.db.connection(), cutoff)
        if pruned:
            log.info("emptied %d inbox bodies older than %s days", pruned, self.settings.inbox_retention_days)
        return pruned

    def prune_history(self) -> dict[str, int]:
        """Forget finished history past `archive_retention_days` (call from a worker thread)."""
        before = outbox.now_ts() - self.settings.archive_retention_days * 86400
        with self.db.writing() as conn:
            removed = outbox.prune_history(conn, before)
        if any(removed.values()):
            log.info("forgot history older than %s days: %s", self.settings.archive_retention_days, removed)
        return removed


@functools.cache
def spec_router() -> Router:
    """The spec's rules, compiled once per process (the spec does not change while we run)."""
    return Router(Contract.load())


DEFAULT_RETRY = RetryPolicy(maximum_attempts=8, maximum_event_age=timedelta(hours=2))


def build_system(
    settings: LocalSettings,
    data_dir: Path,
    base_url: str,
    outside: Outside,
    *,
    retry: RetryPolicy = DEFAULT_RETRY,
    clock: Clock | None = None,
) -> System:
    """`clock`: the wall clock unless given (the local world of the scenarios runs on virtual time)."""
    from services import ALL_SERVICES

    data_dir.mkdir(parents=True, exist_ok=True)
    credentials = load_credentials(settings, data_dir)
    public = (settings.public_url or base_url).rstrip("/")
    db = Database(data_dir / "wingcloud.sqlite3", durable=settings.fsync, autocheckpoint=False)
    router = spec_router()
    tokens = ReportTokens(credentials.report_key)
    conn = db.connection
    keys, kv = FileKeyService(data_dir / "master.key"), SqliteKeyValue(conn)
    described = outside.described
    calls = CallLog(
        data_dir / "outside-calls.sqlite3",
        {
            "github": described.get("github", "?"),
            "gitlab": described.get("gitlab", "?"),
            "flyio": described.get("runtime", "?"),
            "dns": described.get("dns", "?"),
        },
    )
    ports = Ports(
        clock=clock or SystemClock(),
        ids=RandomIds(),
        github=RecordedGitHub(outside.github, calls),
        gitlab=RecordedGitLab(outside.gitlab, calls),
        flyio=CredentialedFlyIO(RecordedFlyIO(outside.flyio, calls), tokens, public),
        dns=RecordedDNS(outside.dns, calls),
        keys=keys,
        blobs=SqliteBlobs(conn),
        apps=SqliteApps(conn),
        environments=SqliteEnvironments(conn),
        secrets=SqliteSecrets(conn),
        secret_reader=StoredSecretReader(SqliteSecrets(conn), keys),
        feed=SqliteFeed(conn),
        comments=KeyValueComments(kv),
        machines=KeyValueMachines(kv),
        log_index=KeyValueLogIndex(kv),
        retired_names=KeyValueRetiredNames(kv),
        usage=SqliteUsage(conn),
        settings=Settings(console_url=public, dns_zone=settings.dns_zone, runtime_image=settings.runtime_image),
    )
    seal = Sealer(router, new_id=RandomIds().event_id, clock=ports.clock, account=ACCOUNT, region=REGION)
    targets = {t.name: t for service in ALL_SERVICES for t in targets_of(router, service)}
    doors = {door: targets[f"{s.name}--{door}"] for s in ALL_SERVICES for door in s.edges}
    notifier = Notifier()
    system_ref: list[System] = []

    def committed() -> None:
        system_ref[0].committed()

    inbox_db = Database(
        data_dir / "inbox.sqlite3",
        durable=settings.fsync,
        schema=INBOX_SCHEMA,
        version=INBOX_VERSION,
        autocheckpoint=False,
    )
    inbox = Inbox(inbox_db, committed)

    @contextmanager
    def held() -> Iterator[None]:
        """The records of a batch's outside calls (the call log's, the embedded world's journal), held."""
        with calls.held(), outside.hold():
            yield

    worker = Worker(
        db,
        router,
        targets,
        doors,
        ports,
        seal,
        policy=retry,
        on_commit=notifier.notify,
        inbox=inbox,
        hold=held,
    )
    system = System(
        settings,
        credentials,
        public,
        db,
        router,
        ports,
        seal,
        worker,
        inbox,
        notifier,
        tokens,
        ALL_SERVICES,
        doors,
        outside,
        calls,
    )
    system_ref.append(system)
    return system
