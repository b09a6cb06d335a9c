"""The simulator's composition root: every wing.cloud service on one in-process bus, over fakes.

`World` builds Ports from `sim.fakes`, registers `services.ALL_SERVICES`, schedules the cleaner and runs
the GitHub preflight, then offers the edges a real deployment has (webhooks, the API, the runtime's status
callback) as methods. Edge methods publish and return; `run()` delivers until quiet, playing the fake
runtime's reports as it goes, so a scenario reaches `running` by itself.

`WorldLike` is the interface the feature files drive; other backends (the AWS adapter) implement it too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from bus.deadletters import DeadLetter
from bus.trace import TraceRecord
from events import Event
from ports import App, Environment, FeedItem, Ports, RuntimeReport, Settings, WebhookDelivery
from services import ALL_SERVICES, api, apps, cleaner, github, logs, runtime, secrets
from sim.bus import Bus
from sim.chaos import ChaosConfig
from sim.clock import VirtualClock
from sim.fakes import EPOCH, FakeDNS, FakeFlyIO, FakeGitHub, Fakes, RuntimeScript
from spec.contract import Contract

Envelope = dict[str, Any]

__all__ = ["EPOCH", "World", "WorldLike"]


class WorldLike(Protocol):
    """What a scenario can do to, and see of, a running wing.cloud, whatever the backend.

    The outside world (GitHub, fly.io, dnsimple) is always the simulator's fakes, so scenarios inspect them
    directly; wing.cloud's own state and events are read through methods.
    """

    github: FakeGitHub
    flyio: FakeFlyIO
    dns: FakeDNS
    settings: Settings

    # --- edges: each publishes and returns; run() delivers -------------------------------------------------
    def deliver_webhook(self, event_name: str, body: bytes, delivery_id: str) -> str: ...
    def create_app(
        self,
        *,
        owner: str,
        name: str,
        repository: str,
        default_branch: str,
        entrypoint: str = "main.w",
        installation_id: int = 1,
    ) -> App: ...
    def delete_app(self, app_id: str) -> None: ...
    def change_entrypoint(self, app_id: str, entrypoint: str) -> None: ...
    def request_redeploy(self, environment_id: str, user: str) -> None: ...
    def create_secret(self, app_id: str, environment_type: str, name: str, value: str) -> None: ...
    def list_secrets(self, app_id: str) -> list[secrets.SecretView]: ...
    def report(self, report: RuntimeReport) -> None: ...
    def use_runtime_script(self, script: RuntimeScript) -> None: ...

    # --- time ----------------------------------------------------------------------------------------------
    def run(self) -> None: ...
    def advance(self, delta: timedelta) -> None: ...
    def now(self) -> datetime: ...

    # --- what happened -------------------------------------------------------------------------------------
    def environments(self, app_id: str | None = None) -> list[Environment]: ...
    def environment(self, environment_id: str) -> Environment: ...
    def apps(self) -> list[App]: ...
    def events(self, detail_type: str | None = None) -> list[Envelope]: ...
    def trace(self) -> list[TraceRecord]: ...
    def logs(self, environment_id: str) -> str: ...
    def feed(self) -> list[FeedItem]: ...
    def dead_letters(self) -> list[DeadLetter]: ...
    def stored_secret_bytes(self) -> list[bytes]: ...


class Edges(ABC):
    """The edges of a running wing.cloud, written once for every backend.

    Each edge calls the owning service's entry point with that service's ports and publishes what it
    returns; a backend supplies only `_edge` (how it does that) and `_service_ports` (read-only calls).
    """

    flyio: FakeFlyIO

    @abstractmethod
    def _edge(self, service: str, work: Callable[[Ports], Sequence[Event]], correlation_id: str | None = None) -> str:
        """Run `work` with the service's ports and publish its events; return the correlation id."""

    @abstractmethod
    def _service_ports(self, service: str) -> Ports:
        """The service's ports, for read-only calls."""

    def deliver_webhook(self, event_name: str, body: bytes, delivery_id: str) -> str:
        """A verified GitHub delivery; raises WebhookRejectedError for one the app cannot accept."""
        delivery = WebhookDelivery(event=event_name, delivery_id=delivery_id, body=body)
        return self._edge("github", lambda ports: github.ingest_webhook(delivery, ports), delivery_id)

    def create_app(
        self,
        *,
        owner: str,
        name: str,
        repository: str,
        default_branch: str,
        entrypoint: str = "main.w",
        installation_id: int = 1,
    ) -> App:
        created: list[App] = []

        def work(ports: Ports) -> Sequence[Event]:
            app, published = apps.create_app(
                owner, name, repository, default_branch, entrypoint, installation_id, ports
            )
            created.append(app)
            return published

        self._edge("apps", work)
        return created[0]

    def delete_app(self, app_id: str) -> None:
        self._edge("apps", lambda ports: apps.delete_app(app_id, ports)[1])

    def change_entrypoint(self, app_id: str, entrypoint: str) -> None:
        self._edge("apps", lambda ports: apps.change_entrypoint(app_id, entrypoint, ports)[1])

    def request_redeploy(self, environment_id: str, user: str) -> None:
        """Raises RedeployRefusedError / UnknownEnvironmentError as the API would answer 409 / 404."""
        self._edge("api", lambda ports: api.request_redeploy(environment_id, user, ports))

    def create_secret(self, app_id: str, environment_type: str, name: str, value: str) -> None:
        self._edge("secrets", lambda ports: secrets.create_secret(app_id, environment_type, name, value, ports))

    def delete_secret(self, app_id: str, environment_type: str, name: str) -> None:
        self._edge("secrets", lambda ports: secrets.delete_secret(app_id, environment_type, name, ports))

    def list_secrets(self, app_id: str) -> list[secrets.SecretView]:
        return secrets.list_secrets(app_id, self._service_ports("secrets"))

    def report(self, report: RuntimeReport) -> None:
        """The runtime's status callback; correlated by deployment, so a deployment's reports trace together."""
        self._edge("runtime", lambda ports: runtime.accept_report(report, ports), report.deployment_id)

    def use_runtime_script(self, script: RuntimeScript) -> None:
        """What machines started from now on report."""
        self.flyio.script = script


@cache
def _contract() -> Contract:
    return Contract.load()


class World(Edges):
    """wing.cloud in one process: the bus, every service, fakes of everything outside."""

    def __init__(
        self,
        *,
        chaos: ChaosConfig | None = None,
        seed: int = 0,
        script: RuntimeScript = RuntimeScript.SUCCESS,
        settings: Settings | None = None,
        start: datetime = EPOCH,
    ) -> None:
        self.fakes = Fakes(clock=VirtualClock(start))
        self.fakes.flyio.script = script
        self.github, self.flyio, self.dns = self.fakes.github, self.fakes.flyio, self.fakes.dns
        self.settings = settings or Settings()
        self.ports: Ports = self.fakes.ports(self.settings)
        self.bus = Bus(_contract(), self.fakes.clock, seed=seed, chaos=chaos)
        for service in ALL_SERVICES:
            self.bus.register(service, self.ports)
        self.bus.schedule("cleaner", cleaner.SCHEDULE, lambda: cleaner.emit_cleanup_due(self.ports))
        github.sync_webhook_url(f"{self.settings.console_url}/webhooks/github", self.ports)

    # --- edges (shared in Edges) ---------------------------------------------------------------------------

    def _edge(self, service: str, work: Callable[[Ports], Sequence[Event]], correlation_id: str | None = None) -> str:
        correlation_id = correlation_id or self.ports.ids.new("req")
        published = work(self.ports)
        if published:
            self.bus.publish(service, published, correlation_id=correlation_id)
        return correlation_id

    def _service_ports(self, service: str) -> Ports:
        return self.ports

    # --- time ----------------------------------------------------------------------------------------------

    def run(self) -> None:
        """Deliver until quiet; then let the fake runtime send its next report, and again, until all is quiet."""
        self.bus.run_until_quiet()
        while (report := self.flyio.take_report()) is not None:
            self.report(report)
            self.bus.run_until_quiet()

    def advance(self, delta: timedelta) -> None:
        """Let `delta` of virtual time pass (hourly schedules fire), running everything due on the way."""
        self.bus.advance(delta)
        self.run()

    def now(self) -> datetime:
        return self.fakes.clock.now()

    # --- what happened -------------------------------------------------------------------------------------

    def environments(self, app_id: str | None = None) -> list[Environment]:
        rows = self.fakes.environments.list_all() if app_id is None else self.fakes.environments.list_by_app(app_id)
        return sorted(rows, key=lambda env: env.id)

    def environment(self, environment_id: str) -> Environment:
        env = self.fakes.environments.get(environment_id)
        if env is None:
            raise KeyError(f"no environment {environment_id!r}")
        return env

    def apps(self) -> list[App]:
        return sorted(self.fakes.apps.list_all(), key=lambda app: app.id)

    def events(self, detail_type: str | None = None) -> list[Envelope]:
        """Every published envelope (the bus archive), in publish order; optionally of one detail-type."""
        return [e for e in self.bus.archive if detail_type is None or e["detail-type"] == detail_type]

    def trace(self) -> list[TraceRecord]:
        return self.bus.trace.records()

    def logs(self, environment_id: str) -> str:
        return logs.read_logs(environment_id, self.ports)

    def feed(self) -> list[FeedItem]:
        return self.fakes.feed.recent(limit=10_000)

    def dead_letters(self) -> list[DeadLetter]:
        return self.bus.dead_letters

    def stored_secret_bytes(self) -> list[bytes]:
        """Everything the secret store holds, as bytes (to prove no plaintext is at rest)."""
        return [s.ciphertext + s.wrapped_key for s in self.fakes.secrets.rows.values()]
