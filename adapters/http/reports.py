"""Runtime status reports: per-deployment tokens, whether a report is current, and the machine environment
that carries the token.

A report token is HMAC-SHA256(server key, environment id + deployment id): a machine can report for its own
deployment only, and a token never needs storing. The token and the report URL reach the machine in its
environment, added here at the fly.io boundary, so no event ever carries them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum

from events.models import EnvironmentStatus
from ports import Arrival, Environments, FlyIO, LogBatch, MachineSpec, RuntimeReport
from ports.codec import to_json

TOKEN_ENV, URL_ENV, LOGS_ENV = "WINGCLOUD_REPORT_TOKEN", "WINGCLOUD_REPORT_URL", "WINGCLOUD_LOGS_URL"


class ReportTokens:
    """`key`: the bytes, or how to get them when first needed (the ingress Lambda reads Secrets Manager)."""

    def __init__(self, key: bytes | Callable[[], bytes]) -> None:
        self._key = key

    def issue(self, environment_id: str, deployment_id: str) -> str:
        message = f"{environment_id}\n{deployment_id}".encode()
        key = self._key if isinstance(self._key, bytes) else self._key()
        return "rt1." + hmac.new(key, message, hashlib.sha256).hexdigest()

    def valid(self, environment_id: str, deployment_id: str, token: str | None) -> bool:
        if not token:
            return False
        return hmac.compare_digest(self.issue(environment_id, deployment_id).encode(), token.encode("utf-8", "replace"))


class Verdict(Enum):
    CURRENT = "current"
    STALE = "stale"  # recorded (the services log the rejection) but answered 409


def verdict(environments: Environments, report: RuntimeReport | LogBatch) -> Verdict:
    """Stale when the environment is gone, stopped, or on another deployment."""
    env = environments.get(report.environment_id)
    if env is None or env.status == EnvironmentStatus.stopped:
        return Verdict.STALE
    return Verdict.CURRENT if env.deployment_id == report.deployment_id else Verdict.STALE


class CredentialedFlyIO:
    """Adds the report and log URLs and the deployment's token to every machine started for a deployment."""

    def __init__(self, inner: FlyIO, tokens: ReportTokens, base_url: str) -> None:
        self._inner, self._tokens = inner, tokens
        self._urls = {URL_ENV: f"{base_url}/runtime/reports", LOGS_ENV: f"{base_url}/runtime/logs"}

    def ensure_app(self, app_name: str) -> None:
        self._inner.ensure_app(app_name)

    def set_secrets(self, app_name: str, secrets: dict[str, str]) -> None:
        self._inner.set_secrets(app_name, secrets)

    def run_machine(self, spec: MachineSpec, idempotency_key: str) -> str:
        environment_id, deployment_id = spec.metadata.get("environment_id"), spec.metadata.get("deployment_id")
        if environment_id and deployment_id:
            token = self._tokens.issue(environment_id, deployment_id)
            spec = dataclasses.replace(spec, env={**spec.env, **self._urls, TOKEN_ENV: token})
        return self._inner.run_machine(spec, idempotency_key)

    def destroy_machine(self, app_name: str, machine_id: str) -> None:
        self._inner.destroy_machine(app_name, machine_id)

    def destroy_app(self, app_name: str) -> None:
        self._inner.destroy_app(app_name)


def report_arrival(report: RuntimeReport, report_id: str, body: bytes | None = None) -> Arrival:
    """A report as it arrives: correlated with what started its deployment (the runtime sends that id back),
    or with its deployment."""
    correlation_id = report.correlation_id or report.deployment_id
    return Arrival("report", report_id, report.status, body or to_json(report), correlation_id, datetime.now(UTC))
