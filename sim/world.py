"""Worlds: a running wing.cloud as the scenarios drive it, on any backend; and the simulator's own.

`WorldLike` is what the feature files drive. `FrontDoor` is written once for every backend: the doors (a
GitHub delivery, a runtime report: admitted as the HTTP door admits them, then handed to the backend like
any parcel) and the API's commands (run in one unit of work with their events). A backend supplies only
`_arrive`, `_command`, `_service_ports` and `settle`.

`World` is the simulator's composition root: ports from `sim.fakes`, every service on one in-process bus,
the hourly cleaner and the GitHub preflight; `run()` settles the bus and plays the fake runtime's reports.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Protocol, TypeVar

from bus.deadletters import DeadLetter
from bus.envelope import Envelope
from bus.trace import TraceRecord
from events import Event
from ports import App, Arrival, Environment, FeedItem, Ports, RuntimeReport, Settings
from ports.codec import to_json
from services import ALL_SERVICES, api, apps, cleaner, github, logs, runtime, secrets, usage
from sim.bus import Bus
from sim.chaos import ChaosConfig
from sim.clock import VirtualClock
from sim.fakes import EPOCH, FakeDNS, FakeFlyIO, FakeGitHub, FakeGitLab, Fakes, RuntimeScript
from sim.player import play_until_quiet
from spec.contract import Contract

__all__ = ["EPOCH", "FrontDoor", "World", "WorldLike"]
R = TypeVar("R")


class WorldLike(Protocol):
    """What a scenario can do to, and see of, a running wing.cloud, whatever the backend.

    The outside world (GitHub, fly.io, dnsimple) is always the simulator's fakes, so scenarios inspect them
    directly; wing.cloud's own state and events are read through methods.
    """

    github: FakeGitHub
    gitlab: FakeGitLab
    flyio: FakeFlyIO
    dns: FakeDNS
    settings: Settings

    # --- ways in: each hands over and returns; run() delivers -------------------------------------------------
    def deliver_webhook(self, event_name: str, body: bytes, delivery_id: str) -> str: ...
    def deliver_at(self, door: str, name: str, body: bytes, arrival_id: str) -> str: ...
    def create_app(
        self,
        *,
        owner: str,
        name: str,
        repository: str,
        default_branch: str,
        entrypoint: str = "main.w",
        installation_id: int = 1,
        provider: str = "github",
    ) -> App: ...
    def delete_app(self, app_id: str) -> None: ...
    def change_entrypoint(self, app_id: str, entrypoint: str) -> None: ...
    def request_redeploy(self, environment_id: str, user: str) -> None: ...
    def request_stop(self, environment_id: str, user: str) -> None: ...
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
    def usage(self, app_id: str, start: datetime, end: datetime) -> usage.UsageReport: ...


class FrontDoor(ABC):
    """The ways into a running wing.cloud, written once for every backend."""

    flyio: FakeFlyIO

    @abstractmethod
    def _arrive(self, arrival: Arrival) -> None:
        """Hand an admitted arrival to the backend (its inbox, its agenda, its ingress function)."""

    @abstractmethod
    def _command(self, service: str, work: Callable[[Ports], tuple[R, Sequence[Event]]], correlation_id: str) -> R:
        """Run an API command with the service's ports, its events published in the same unit of work."""

    @abstractmethod
    def _service_ports(self, service: str) -> Ports:
        """The service's ports, for read-only calls."""

    @abstractmethod
    def _new_request_id(self) -> str:
        """A correlation id for an API request."""

    @abstractmethod
    def now(self) -> datetime: ...

    # --- doors ---------------------------------------------------------------------------------------------

    def deliver_webhook(self, event_name: str, body: bytes, delivery_id: str) -> str:
        """A verified GitHub delivery; raises WebhookRejectedError where the HTTP door answers 400."""
        return self.deliver_at(github.WEBHOOKS.name, event_name, body, delivery_id)

    def deliver_at(self, door: str, name: str, body: bytes, arrival_id: str) -> str:
        """A verified arrival through any service's door (`webhook`, `gitlab-webhook`), admitted as its HTTP
        door admits it (raising the edge's rejection where that answers 400); its id is its correlation id."""
        [edge] = [service.edges[door] for service in ALL_SERVICES if door in service.edges]
        arrival = Arrival(door, arrival_id, name, body, arrival_id, self.now())
        edge.admit(arrival)
        self._arrive(arrival)
        return arrival_id

    def report(self, report: RuntimeReport) -> None:
        """The runtime's status callback (its token checked); raises InvalidReportError where the door answers
        400. Correlated as the deployment it reports on was (or by the deployment, when the runtime says not)."""
        body = to_json(report)
        correlation_id = report.correlation_id or report.deployment_id
        arrival = Arrival("report", self._new_request_id(), report.status, body, correlation_id, self.now())
        runtime.REPORTS.admit(arrival)
        self._arrive(arrival)

    # --- the API's commands ----------------------------------------------------------------------------------

    def create_app(
        self,
        *,
        owner: str,
        name: str,
        repository: str,
        default_branch: str,
        entrypoint: str = "main.w",
        installation_id: int = 1,
        provider: str = "github",
    ) -> App:
        def work(ports: Ports) -> tuple[App, list[Event]]:
            return apps.create_app(
                owner, name, repository, default_branch, entrypoint, installation_id, ports, provider=provider
            )

        return self._command("apps", work, self._new_request_id())

    def delete_app(self, app_id: str) -> None:
        self._command("apps", lambda ports: apps.delete_app(app_id, ports), self._new_request_id())

    def change_entrypoint(self, app_id: str, entrypoint: str) -> None:
        self._command("apps", lambda ports: apps.change_entrypoint(app_id, entrypoint, ports), self._new_request_id())

    def request_redeploy(self, environment_id: str, user: str) -> None:
        """Raises RedeployRefusedError / UnknownEnvironmentError as the API would answer 409 / 404."""
        self._command(
            "api", lambda ports: (None, api.request_redeploy(environment_id, user, ports)), self._new_request_id()
        )

    def request_stop(self, environment_id: str, user: str) -> None:
        """Raises StopRefusedError / UnknownEnvironmentError as the API would answer 409 / 404."""
        self._command(
            "api", lambda ports: (None, api.request_stop(environment_id, user, ports)), self._new_request_id()
        )

    def create_secret(self, app_id: str, environment_type: str, name: str, value: str) -> None:
        def work(ports: Ports) -> tuple[None, list[Event]]:
            return None, secrets.create_secret(app_id, environment_type, name, value, ports)

        self._command("secrets", work, self._new_request_id())

    def delete_secret(self, app_id: str, environment_type: str, name: str) -> None:
        def work(ports: Ports) -> tuple[None, list[Event]]:
            return None, secrets.delete_secret(app_id, environment_type, name, ports)

        self._command("secrets", work, self._new_request_id())

    def list_secrets(self, app_id: str) -> list[secrets.SecretView]:
        return secrets.list_secrets(app_id, self._service_ports("secrets"))

    def use_runtime_script(self, script: RuntimeScript) -> None:
        """What machines started from now on report."""
        self.flyio.script = script

    def usage(self, app_id: str, start: datetime, end: datetime) -> usage.UsageReport:
        """The app's metered usage in [start, end), as the API reads it."""
        return usage.read_usage(app_id, usage.Period(start, end), self._service_ports("usage"))


@cache
def _contract() -> Contract:
    return Contract.load()


class World(FrontDoor):
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
        self.github, self.gitlab = self.fakes.github, self.fakes.gitlab
        self.flyio, self.dns = self.fakes.flyio, self.fakes.dns
        self.settings = settings or Settings()
        self.ports: Ports = self.fakes.ports(self.settings)
        self.bus = Bus(_contract(), self.fakes.clock, seed=seed, chaos=chaos)
        for service in ALL_SERVICES:
            self.bus.register(service, self.ports)
        self.bus.schedule("cleaner", cleaner.SCHEDULE, lambda: cleaner.emit_cleanup_due(self.ports))
        github.sync_webhook_url(f"{self.settings.console_url}/webhooks/github", self.ports)

    # --- ways in (shared in FrontDoor) ---------------------------------------------------------------------

    def _arrive(self, arrival: Arrival) -> None:
        self.bus.arrive(arrival)

    def _command(self, service: str, work: Callable[[Ports], tuple[R, Sequence[Event]]], correlation_id: str) -> R:
        return self.bus.command(service, work, correlation_id=correlation_id)

    def _service_ports(self, service: str) -> Ports:
        return self.ports

    def _new_request_id(self) -> str:
        return self.ports.ids.new("req")

    # --- time ----------------------------------------------------------------------------------------------

    def run(self) -> None:
        """Deliver until quiet, letting the fake runtime send each report it has, until all is quiet."""
        play_until_quiet(self.flyio, self.report, self.bus.run_until_quiet)

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
        return [e for e in self.bus.archive if detail_type is None or e.detail_type == detail_type]

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
