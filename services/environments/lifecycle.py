"""The three things that happen to an environment: it is opened, (re)deployed or stopped.

Each writes the row first and returns the events to publish; each is a no-op when the transition table or
the conditional create says it already happened, which makes every caller idempotent.
"""

from __future__ import annotations

from dataclasses import replace

from events import Event
from events.models import EnvironmentStatus, EnvironmentType, StopReason
from ports import App, Environment, Ports
from services.environments import messages
from services.environments.rules import Trigger, allows

S = EnvironmentStatus


def open_environment(
    app: App,
    env_type: EnvironmentType,
    branch: str,
    sha: str,
    ports: Ports,
    *,
    pr_number: int | None = None,
    title: str | None = None,
) -> list[Event]:
    """Create the environment and its first deployment, unless a live one exists for the same identity."""
    now = ports.clock.now()
    env = Environment(
        id=ports.ids.new("env"),
        app_id=app.id,
        type=env_type,
        repository=app.repository,
        branch=branch,
        sha=sha,
        status=S.initializing,
        created_at=now,
        updated_at=now,
        pr_number=pr_number,
        title=title,
        deployment_id=ports.ids.new("dep"),
        deployed_sha=sha,
        provider=app.provider,
    )
    if not ports.environments.create(env):
        return []
    return [messages.created(env), messages.status_changed(env, None), messages.deploy_requested(env, app)]


def deploy(env: Environment, app: App, sha: str, trigger: Trigger, ports: Ports) -> list[Event]:
    """Start a new deployment of `sha` (a new deployment id) if the table allows `trigger` from here."""
    if not allows(trigger, env.status, S.initializing):
        return []
    fresh = replace(
        env,
        sha=sha,
        deployed_sha=sha,
        status=S.initializing,
        deployment_id=ports.ids.new("dep"),
        updated_at=ports.clock.now(),
        test_results=(),
        endpoints=(),
        error_message=None,
    )
    ports.environments.put(fresh)
    return [messages.status_changed(fresh, env.status), messages.deploy_requested(fresh, app)]


def stop(env: Environment, reason: StopReason, ports: Ports) -> list[Event]:
    """Stop a live environment; it serves nothing any more (its endpoints go), later reports are rejected."""
    if not allows(Trigger.STOP, env.status, S.stopped):
        return []
    # The runtime destroys the fly.io app and `endpoints` removes the DNS names: keeping the URLs on the row
    # would have the console link a stopped environment to addresses that no longer answer.
    halted = replace(env, status=S.stopped, updated_at=ports.clock.now(), endpoints=())
    ports.environments.put(halted)
    return [messages.stopped(halted, reason)]
