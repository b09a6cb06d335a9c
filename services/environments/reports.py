"""The runtime's answers -> environment status, fenced by deployment id and the transition table."""

from __future__ import annotations

from dataclasses import replace

from events import (
    EnvironmentReportRejected,
    Event,
    RuntimeProvisioned,
    RuntimeProvisioningFailed,
    RuntimeStatusReported,
)
from events.models import EnvironmentStatus, ReportRejectionReason, RuntimeReportStatus
from ports import Ports
from services.environments import messages, rules

S = EnvironmentStatus


def apply_status_report(event: RuntimeStatusReported, ports: Ports) -> list[Event]:
    """A report of the current deployment moves the environment; any other is recorded as rejected."""
    status = S(event.status)
    env = ports.environments.get(event.environment_id)
    verdict = rules.judge_report(env, event.deployment_id, status)
    if verdict.rejection is not None:
        return [_rejected(event.environment_id, event.deployment_id, event.status, verdict.rejection)]
    if env is None or not verdict.apply:
        return []
    moved = replace(
        env,
        status=status,
        updated_at=ports.clock.now(),
        test_results=tuple(event.test_results) or env.test_results,
        endpoints=tuple(event.endpoints) or env.endpoints,
        error_message=event.error_message,
    )
    ports.environments.put(moved)
    return [messages.status_changed(moved, env.status)]


def fail_provisioning(event: RuntimeProvisioningFailed, ports: Ports) -> list[Event]:
    """fly.io refused the deployment: the environment goes to error, fenced like a report of `error`."""
    env = ports.environments.get(event.environment_id)
    verdict = rules.judge_report(env, event.deployment_id, S.error)
    if verdict.rejection is not None:
        return [_rejected(event.environment_id, event.deployment_id, RuntimeReportStatus.error, verdict.rejection)]
    if env is None or not verdict.apply:
        return []
    failed = replace(env, status=S.error, updated_at=ports.clock.now(), error_message=event.error_message)
    ports.environments.put(failed)
    return [messages.status_changed(failed, env.status)]


def record_provisioning(event: RuntimeProvisioned, ports: Ports) -> list[Event]:
    """Remember the fly.io app of the current deployment; no status change (the runtime reports those)."""
    env = ports.environments.get(event.environment_id)
    if env is None or env.deployment_id != event.deployment_id or env.fly_app_name == event.fly_app_name:
        return []
    ports.environments.put(replace(env, fly_app_name=event.fly_app_name))
    return []


def _rejected(
    environment_id: str, deployment_id: str, status: RuntimeReportStatus, reason: ReportRejectionReason
) -> EnvironmentReportRejected:
    return EnvironmentReportRejected(
        environment_id=environment_id, deployment_id=deployment_id, reported_status=status, reason=reason
    )
