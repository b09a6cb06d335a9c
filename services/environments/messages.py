"""The events the environment manager publishes, built from an environment row."""

from __future__ import annotations

from typing import TypedDict

from events import (
    EnvironmentCreated,
    EnvironmentDeleted,
    EnvironmentDeployRequested,
    EnvironmentStatusChanged,
    EnvironmentStopped,
)
from events.models import EnvironmentStatus, EnvironmentType, StopReason
from ports import App, Environment


class _Identity(TypedDict):
    """The fields that say which environment an event is about; every environment event carries them."""

    environment_id: str
    app_id: str
    provider: str
    type: EnvironmentType
    repository: str
    branch: str
    pr_number: int | None


def _identity(env: Environment) -> _Identity:
    return _Identity(
        environment_id=env.id,
        app_id=env.app_id,
        provider=env.provider,
        type=env.type,
        repository=env.repository,
        branch=env.branch,
        pr_number=env.pr_number,
    )


def created(env: Environment) -> EnvironmentCreated:
    return EnvironmentCreated(
        **_identity(env),
        sha=env.sha,
        title=env.title,
    )


def status_changed(env: Environment, previous: EnvironmentStatus | None) -> EnvironmentStatusChanged:
    return EnvironmentStatusChanged(
        **_identity(env),
        deployment_id=env.deployment_id,
        sha=env.sha,
        previous_status=previous,
        status=env.status,
        test_results=list(env.test_results),
        endpoints=list(env.endpoints),
        error_message=env.error_message,
    )


def deploy_requested(env: Environment, app: App) -> EnvironmentDeployRequested:
    assert env.deployment_id is not None, f"{env.id} has no deployment to request"
    return EnvironmentDeployRequested(
        **_identity(env),
        deployment_id=env.deployment_id,
        sha=env.sha,
        entrypoint=app.entrypoint,
        installation_id=app.installation_id,
    )


def stopped(env: Environment, reason: StopReason) -> EnvironmentStopped:
    return EnvironmentStopped(
        **_identity(env),
        deployment_id=env.deployment_id,
        reason=reason,
    )


def deleted(env: Environment) -> EnvironmentDeleted:
    return EnvironmentDeleted(environment_id=env.id, app_id=env.app_id)
