"""Runs deployments on fly.io: one fly app per environment, one machine per deployment."""

from __future__ import annotations

from events import (
    EnvironmentDeployRequested,
    EnvironmentStatusChanged,
    EnvironmentStopped,
    Event,
    RuntimeDestroyed,
    RuntimeProvisioned,
    RuntimeProvisioningFailed,
)
from events.models import EnvironmentStatus
from ports import CloneAccess, FlyIOError, MachineSpec, Ports, Settings

# The secret that carries the code host's token the machine clones with (a secret, so it is in no event,
# no machine config and no record of fly.io's calls).
GIT_TOKEN_SECRET = "WINGCLOUD_GIT_TOKEN"


def fly_app_name(environment_id: str) -> str:
    """The fly.io app of an environment: `env_00001` -> `wc-env-00001`."""
    return "wc-" + environment_id.replace("_", "-").lower()


def machine_spec(
    event: EnvironmentDeployRequested,
    app_name: str,
    secret_names: tuple[str, ...],
    settings: Settings,
    clone: CloneAccess,
) -> MachineSpec:
    """What fly.io runs for one deployment: the Wing runtime, told what to check out and where to report."""
    return MachineSpec(
        app_name=app_name,
        image=settings.runtime_image,
        env={
            "GIT_REPO": event.repository,
            "GIT_SHA": event.sha,
            "WINGCLOUD_GIT_URL": clone.url,
            "WINGCLOUD_GIT_USER": clone.username,
            "ENTRYPOINT": event.entrypoint,
            "ENVIRONMENT_ID": event.environment_id,
            "DEPLOYMENT_ID": event.deployment_id,
            "WINGCLOUD_REPORT_URL": f"{settings.console_url}/runtime/reports",
            "WINGCLOUD_LOGS_URL": f"{settings.console_url}/runtime/logs",
            # sent back with every report, so the reports join the trace of what caused this deployment
            "WINGCLOUD_CORRELATION_ID": event.metadata.correlation_id if event.metadata else event.deployment_id,
        },
        secret_names=secret_names,
        metadata={"environment_id": event.environment_id, "deployment_id": event.deployment_id},
    )


def provision_deployment(event: EnvironmentDeployRequested, ports: Ports) -> list[Event]:
    """Start the deployment's machine with the secrets of its environment type and a token of its code host
    to clone with; a 4xx from fly.io fails it, a failure to get the token is retried."""
    if ports.machines.destroyed(event.environment_id):
        return []  # the stop overtook this request: start nothing for a stopped environment
    if ports.machines.provisioned(event.deployment_id):
        return []  # this deployment's machine was started (or refused) already
    app_name = fly_app_name(event.environment_id)
    secrets = ports.secret_reader.read_for_deploy(event.app_id, event.type)
    clone = ports.code_hosts.get(event.provider).clone_access(event.installation_id, event.repository)
    spec = machine_spec(event, app_name, tuple(sorted(secrets)), ports.settings, clone)
    try:
        ports.flyio.ensure_app(app_name)
        ports.flyio.set_secrets(app_name, {**secrets, GIT_TOKEN_SECRET: clone.token})
        machine_id = ports.flyio.run_machine(spec, idempotency_key=event.deployment_id)
    except FlyIOError as error:
        ports.machines.record_machine(event.deployment_id, None, environment_id=event.environment_id)
        message = str(error) or type(error).__name__
        return [
            RuntimeProvisioningFailed(
                environment_id=event.environment_id, deployment_id=event.deployment_id, error_message=message
            )
        ]
    ports.machines.record_machine(event.deployment_id, machine_id, environment_id=event.environment_id)
    return [
        RuntimeProvisioned(
            environment_id=event.environment_id,
            deployment_id=event.deployment_id,
            fly_app_name=app_name,
            machine_id=machine_id,
        )
    ]


def destroy_runtime(event: EnvironmentStopped, ports: Ports) -> list[Event]:
    """A stopped environment's fly app is destroyed, once; later deploy requests for it start nothing."""
    if ports.machines.destroyed(event.environment_id):
        return []
    app_name = fly_app_name(event.environment_id)
    ports.flyio.destroy_app(app_name)
    ports.machines.record_destroyed(event.environment_id)
    return [RuntimeDestroyed(environment_id=event.environment_id, fly_app_name=app_name)]


def retire_replaced(event: EnvironmentStatusChanged, ports: Ports) -> list[Event]:
    """A deployment settled (running, or failed): the machines of the deployments it replaced stop now, not
    before, so the environment's URL answers through a redeploy whenever it can."""
    if event.deployment_id is None or event.status not in (EnvironmentStatus.running, EnvironmentStatus.error):
        return []
    app_name = fly_app_name(event.environment_id)
    for machine_id in ports.machines.replaced_by(event.environment_id, event.deployment_id):
        ports.flyio.destroy_machine(app_name, machine_id)
        ports.machines.record_retired(event.environment_id, machine_id)
    return []
