"""`sim.world.WorldLike` on the local server's storage and worker: the scenarios' backend `--backend local`.

The system is built exactly as `wingcloud serve` builds it (`build_system`: SQLite in a temporary data dir,
the kernel's targets, the worker, the inbox), in process and without HTTP; the outside world is the
simulator's fakes and time is virtual, so the scenarios written for the simulator run unchanged. Arrivals go
through the inbox as the HTTP doors put them there; the worker delivers them like any event.

This is a harness (like `adapters.eventbridge.offline`): it is the one module of `adapters.local` that uses
the simulator.
"""

from __future__ import annotations

import json
import tempfile
import weakref
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import SecretStr

from adapters.local import outbox
from adapters.local.system import Outside, System, build_system
from adapters.settings import LocalSettings
from bus.deadletters import DeadLetter
from bus.envelope import Envelope
from bus.retry import RetryPolicy
from bus.schedule import parse_rate
from bus.trace import TraceRecord
from events import Event
from ports import App, Arrival, Environment, FeedItem, Ports, Settings
from services import cleaner, github, logs
from sim.clock import VirtualClock
from sim.fakes import EPOCH, FakeDNS, FakeFlyIO, FakeGitHub, FakeGitLab, RuntimeScript
from sim.player import play_until_quiet
from sim.world import FrontDoor

R = TypeVar("R")
RETRY = RetryPolicy(maximum_attempts=8, maximum_event_age=timedelta(hours=2))


class ChaosUnsupportedError(ValueError):
    """Chaos mode is the simulator's; the local worker delivers from SQLite rows in order."""


class LocalWorld(FrontDoor):
    """wing.cloud on the local server's SQLite storage and worker, on virtual time."""

    def __init__(
        self,
        *,
        script: RuntimeScript = RuntimeScript.SUCCESS,
        settings: Settings | None = None,
        start: datetime = EPOCH,
    ) -> None:
        self.settings = settings or Settings()
        self.clock = VirtualClock(start)
        self.github, self.gitlab, self.flyio, self.dns = FakeGitHub(), FakeGitLab(), FakeFlyIO(script), FakeDNS()
        folder = tempfile.TemporaryDirectory(prefix="wingcloud-local-world-")
        local = LocalSettings(
            github_webhook_secret=SecretStr("local-world"),
            api_token=SecretStr("local-world"),
            public_url=self.settings.console_url,
            dns_zone=self.settings.dns_zone,
            runtime_step_seconds=0,
        )
        described = dict.fromkeys(("github", "gitlab", "flyio", "dns"), "embedded")
        outside = Outside(self.github, self.flyio, self.dns, described, gitlab=self.gitlab)
        self.system: System = build_system(
            local, Path(folder.name), self.settings.console_url, outside, retry=RETRY, clock=self.clock
        )
        self.system.start(background=False)
        weakref.finalize(self, _close, self.system, folder)
        self._interval = parse_rate(cleaner.SCHEDULE)
        self._next_tick = start + self._interval
        github.sync_webhook_url(f"{self.settings.console_url}/webhooks/github", self.system.ports)

    # --- ways in (shared in FrontDoor) ---------------------------------------------------------------------

    def _arrive(self, arrival: Arrival) -> None:
        self.system.inbox.put(arrival)

    def _command(self, service: str, work: Callable[[Ports], tuple[R, Sequence[Event]]], correlation_id: str) -> R:
        return self.system.command(service, work, correlation_id=correlation_id)

    def _service_ports(self, service: str) -> Ports:
        return self.system.ports

    def _new_request_id(self) -> str:
        return self.system.ports.ids.new("req")

    # --- time ----------------------------------------------------------------------------------------------

    def run(self) -> None:
        """Work the queue until quiet, letting the fake runtime send each report it has, until all is quiet."""
        play_until_quiet(self.flyio, self.report, self._settle)

    def _settle(self, max_rounds: int = 100_000) -> None:
        """Run due deliveries; when only retries wait, move virtual time to the next one (as the simulator)."""
        conn = self.system.db.connection()
        for _ in range(max_rounds):
            if self.system.worker.run_once():
                continue
            wait = outbox.next_due_in(conn, self.clock.now())
            if wait is None:
                return
            self.clock.advance(timedelta(seconds=wait))
        raise RuntimeError(f"the local worker is still busy after {max_rounds} rounds (a handler loop?)")

    def advance(self, delta: timedelta) -> None:
        """Move the clock; each hourly tick on the way publishes CleanupDue as `serve`'s schedule does."""
        until = self.clock.now() + delta
        while self._next_tick <= until:
            self.clock.set(self._next_tick)
            stamp = self._next_tick.strftime("%Y%m%dT%H%M%SZ")
            self._command("cleaner", lambda ports: (None, cleaner.emit_cleanup_due(ports)), f"schedule-{stamp}")
            self._next_tick += self._interval
            self.run()
        self.clock.set(until)
        self.run()

    def now(self) -> datetime:
        return self.clock.now()

    # --- what happened -------------------------------------------------------------------------------------

    def environments(self, app_id: str | None = None) -> list[Environment]:
        table = self.system.ports.environments
        return sorted(table.list_all() if app_id is None else table.list_by_app(app_id), key=lambda env: env.id)

    def environment(self, environment_id: str) -> Environment:
        env = self.system.ports.environments.get(environment_id)
        if env is None:
            raise KeyError(f"no environment {environment_id!r}")
        return env

    def apps(self) -> list[App]:
        return sorted(self.system.ports.apps.list_all(), key=lambda app: app.id)

    def events(self, detail_type: str | None = None) -> list[Envelope]:
        rows = self._rows("SELECT envelope FROM events ORDER BY seq")
        found = [Envelope.from_wire(row[0]) for row in rows]
        return [e for e in found if detail_type is None or e.detail_type == detail_type]

    def trace(self) -> list[TraceRecord]:
        rows = self._rows(
            "SELECT seq, at, kind, event_id, detail_type, source_service, target_service, target, correlation_id,"
            " causation_id, attempt, error FROM trace ORDER BY seq"
        )
        return [
            TraceRecord(
                seq=row["seq"],
                at=datetime.fromisoformat(row["at"]),
                kind=row["kind"],
                event_id=row["event_id"],
                detail_type=row["detail_type"],
                source_service=row["source_service"],
                target_service=row["target_service"],
                target=row["target"],
                correlation_id=row["correlation_id"],
                causation_id=row["causation_id"],
                attempt=row["attempt"],
                error=row["error"],
            )
            for row in rows
        ]

    def logs(self, environment_id: str) -> str:
        return logs.read_logs(environment_id, self.system.ports)

    def feed(self) -> list[FeedItem]:
        return self.system.ports.feed.recent(limit=10_000)

    def dead_letters(self) -> list[DeadLetter]:
        rows = self._rows(
            "SELECT id, target, service, parcel, error_code, error_message, exhausted_condition, attempts, at"
            " FROM dead_letters WHERE redriven_at IS NULL ORDER BY at"
        )
        return [
            DeadLetter(
                id=row["id"],
                target=row["target"],
                service=row["service"],
                parcel=self._parcel(row["parcel"]),
                error_code=row["error_code"],
                error_message=row["error_message"],
                exhausted_condition=row["exhausted_condition"],
                attempts=row["attempts"],
                at=datetime.fromisoformat(row["at"]),
            )
            for row in rows
        ]

    def stored_secret_bytes(self) -> list[bytes]:
        return [bytes(row[0]) + bytes(row[1]) for row in self._rows("SELECT ciphertext, wrapped_key FROM secrets")]

    def _rows(self, sql: str) -> list[Any]:
        return list(self.system.db.connection().execute(sql).fetchall())

    def _parcel(self, text: str) -> Envelope | Arrival:
        envelope = Envelope.model_validate_json(text) if '"detail-type"' in text else None
        return envelope if envelope is not None else self.system.inbox.arrival(_key(text))


def _key(text: str) -> str:
    return str(json.loads(text)["key"])


def _close(system: System, folder: tempfile.TemporaryDirectory[str]) -> None:
    system.stop()
    folder.cleanup()


def world(*, chaos: object = None, **options: Any) -> LocalWorld:
    """The factory `features/` calls per scenario (`--backend local`)."""
    if chaos is not None:
        raise ChaosUnsupportedError("chaos mode runs on the simulator only (--backend sim)")
    return LocalWorld(**options)
