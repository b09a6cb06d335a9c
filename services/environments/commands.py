"""Requests from users and the schedule: manual redeploys and stops, and the stale-preview sweep."""

from __future__ import annotations

from datetime import timedelta

from events import (
    CleanupDue,
    EnvironmentRedeployRefused,
    EnvironmentRedeployRequested,
    EnvironmentStopRequested,
    Event,
)
from events.models import EnvironmentStatus, RedeployRefusalReason, StopReason
from ports import Ports
from services.environments import lifecycle, rules


def redeploy_on_request(event: EnvironmentRedeployRequested, ports: Ports) -> list[Event]:
    """A user's redeploy runs only from running or error; a refusal is recorded."""
    env = ports.environments.get(event.environment_id)
    app = ports.apps.get(env.app_id) if env is not None else None
    if env is None or app is None:
        return [_refused(event, None, RedeployRefusalReason.unknown_environment)]
    published = lifecycle.deploy(env, app, env.sha, rules.Trigger.MANUAL_DEPLOY, ports)
    return published or [_refused(event, env.status, RedeployRefusalReason.status_not_redeployable)]


def stop_on_request(event: EnvironmentStopRequested, ports: Ports) -> list[Event]:
    """A user's stop stops a live environment (reason `manual`); a stopped or unknown one is left as it is."""
    env = ports.environments.get(event.environment_id)
    if env is None:
        return []
    return lifecycle.stop(env, StopReason.manual, ports)


def stop_stale_previews(event: CleanupDue, ports: Ports) -> list[Event]:
    """Previews untouched for `stale_after_seconds` are stopped; stopped ones are never stopped again."""
    stale_after = timedelta(seconds=event.stale_after_seconds)
    published: list[Event] = []
    for env in ports.environments.list_all():
        if rules.is_stale(env, event.scheduled_at, stale_after):
            published += lifecycle.stop(env, StopReason.stale_preview, ports)
    return published


def _refused(
    event: EnvironmentRedeployRequested, status: EnvironmentStatus | None, reason: RedeployRefusalReason
) -> EnvironmentRedeployRefused:
    return EnvironmentRedeployRefused(
        environment_id=event.environment_id,
        requested_by=event.requested_by,
        status=status,
        reason=reason,
    )
