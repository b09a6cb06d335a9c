"""Runtime status reports: per-deployment tokens, the edge check, and the embedded runtime that plays them.

A report token is HMAC-SHA256(server key, environment id + deployment id): a machine can report for its own
deployment only, and a token never needs storing. The token and the report URL reach the machine in its
environment, added here at the fly.io boundary, so no event ever carries them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from enum import Enum

from adapters.local import outbox
from adapters.local.edges import report_to_json
from adapters.local.inbox import Arrival
from ports import FlyIO, MachineSpec, RuntimeReport
from sim.fakes.flyio import FakeFlyIO

log = logging.getLogger("wingcloud.runtime")
TOKEN_ENV, URL_ENV = "WINGCLOUD_REPORT_TOKEN", "WINGCLOUD_REPORT_URL"


class ReportTokens:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def issue(self, environment_id: str, deployment_id: str) -> str:
        message = f"{environment_id}\n{deployment_id}".encode()
        return "rt1." + hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def valid(self, environment_id: str, deployment_id: str, token: str | None) -> bool:
        if not token:
            return False
        return hmac.compare_digest(self.issue(environment_id, deployment_id).encode(), token.encode("utf-8", "replace"))


class Verdict(Enum):
    CURRENT = "current"
    STALE = "stale"  # recorded (the services log the rejection) but answered 409


def verdict(conn: sqlite3.Connection, report: RuntimeReport) -> Verdict:
    """Stale when the environment is gone, stopped, or on another deployment."""
    row = conn.execute("SELECT status, data FROM environments WHERE id = ?", (report.environment_id,)).fetchone()
    if row is None or row["status"] == "stopped":
        return Verdict.STALE
    current = json.loads(row["data"]).get("deployment_id")
    return Verdict.CURRENT if current == report.deployment_id else Verdict.STALE


def correlation_of(conn: sqlite3.Connection, deployment_id: str, fallback: str) -> str:
    """The correlation id of the request that started this deployment, so its reports join its trace."""
    row = conn.execute("SELECT correlation_id FROM deployments WHERE deployment_id = ?", (deployment_id,)).fetchone()
    return fallback if row is None else str(row[0])


def arrival(conn: sqlite3.Connection, report: RuntimeReport, report_id: str) -> Arrival:
    correlation = correlation_of(conn, report.deployment_id, report_id)
    return Arrival(outbox.REPORT, report_id, report.status, report_to_json(report), correlation)


class CredentialedFlyIO:
    """Adds the report URL and the deployment's token to every machine started for a deployment."""

    def __init__(self, inner: FlyIO, tokens: ReportTokens, report_url: str) -> None:
        self._inner, self._tokens, self._url = inner, tokens, report_url

    def ensure_app(self, app_name: str) -> None:
        self._inner.ensure_app(app_name)

    def set_secrets(self, app_name: str, secrets: dict[str, str]) -> None:
        self._inner.set_secrets(app_name, secrets)

    def run_machine(self, spec: MachineSpec, idempotency_key: str) -> str:
        environment_id, deployment_id = spec.metadata.get("environment_id"), spec.metadata.get("deployment_id")
        if environment_id and deployment_id:
            token = self._tokens.issue(environment_id, deployment_id)
            spec = dataclasses.replace(spec, env={**spec.env, URL_ENV: self._url, TOKEN_ENV: token})
        return self._inner.run_machine(spec, idempotency_key)

    def destroy_app(self, app_name: str) -> None:
        self._inner.destroy_app(app_name)


class RuntimePlayer:
    """The embedded runtime: sends the reports the fake machines would send, one step every `step` seconds.

    Report ids are `rep_<deployment>_<n>`; after a restart the journal replays the machines, the same reports
    queue again and the inbox drops the ones it already holds.
    """

    def __init__(self, fake: FakeFlyIO, submit: Callable[[RuntimeReport, str], bool], step: float) -> None:
        self._fake, self._submit, self._step = fake, submit, step
        self._sent: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="wingcloud-runtime", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            report = self._fake.take_report()
            if report is None:
                self._stop.wait(0.02)
                continue
            n = self._sent.get(report.deployment_id, 0) + 1
            self._sent[report.deployment_id] = n
            try:
                stored = self._submit(report, f"rep_{report.deployment_id}_{n}")
            except Exception:
                log.exception("the embedded runtime could not deliver a report")
                stored = True
            if stored and self._step:  # a report already delivered before a restart is not paced again
                time.sleep(self._step)
