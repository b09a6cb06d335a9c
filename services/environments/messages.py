"""The events the environment manager publishes, built from an environment row."""

from __future__ import annotations

from events import (
    EnvironmentCreated,
    EnvironmentDeleted,
    EnvironmentDeployRequested,
    EnvironmentStatusChanged,
    EnvironmentStopped,
)
from events.models import Endpoint, EnvironmentStatus, StopReason, TestResult
from ports import App, Environment


def created(env: Environment) -> EnvironmentCreated:
    return EnvironmentCreated(
        environment_id=env.id,
        app_id=env.app_id,
        type=env.type,
        repository=env.repository,
        branch=env.branch,
        pr_number=env.pr_number,
        sha=env.sha,
        title=env.title,
    )


def status_changed(env: Environment, previous: EnvironmentStatus | None) -> EnvironmentStatusChanged:
    return EnvironmentStatusChanged(
        environment_id=env.id,
        app_id=env.app_id,
        type=env.type,
        repository=env.repository,
        branch=env.branch,
        pr_number=env.pr_number,
        deployment_id=env.deployment_id,
        sha=env.sha,
        previous_status=previous,
        status=env.status,
        test_results=[TestResult(path=path, passed=passed, error=error) for path, passed, error in env.test_results],
        endpoints=[Endpoint(label=label, url=url) for label, url in env.endpoints],
        error_message=env.error_message,
    )


def deploy_requested(env: Environment, app: App) -> EnvironmentDeployRequested:
    assert env.deployment_id is not None, f"{env.id} has no deployment to request"
    return EnvironmentDeployRequested(
        environment_id=env.id,
        app_id=env.app_id,
        type=env.type,
        repository=env.repository,
        branch=env.branch,
        pr_number=env.pr_number,
        deployment_id=env.deployment_id,
        sha=env.sha,
        entrypoint=app.entrypoint,
        installation_id=app.installation_id,
    )


def stopped(env: Environment, reason: StopReason) -> EnvironmentStopped:
    return EnvironmentStopped(
        environment_id=env.id,
        app_id=env.app_id,
        type=env.type,
        repository=env.repository,
        branch=env.branch,
        pr_number=env.pr_number,
        deployment_id=env.deployment_id,
        reason=reason,
    )


def deleted(env: Environment) -> EnvironmentDeleted:
    return EnvironmentDeleted(environment_id=env.id, app_id=env.app_id)
