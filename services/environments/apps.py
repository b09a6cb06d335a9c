"""App lifecycle and pushes -> production environments and redeploys."""

from __future__ import annotations

from events import AppCreated, AppDeleted, AppEntrypointChanged, BranchPushed, Event
from events.models import EnvironmentType, StopReason
from ports import Ports
from services.environments import lifecycle, messages, rules
from services.environments.directory import apps_of


def open_production(event: AppCreated, ports: Ports) -> list[Event]:
    """A new app gets a production environment on its default branch's last commit."""
    app = ports.apps.get(event.app_id)
    if app is None or app.last_commit_sha is None:
        return []  # deleted meanwhile, or nothing to deploy yet
    return lifecycle.open_environment(app, EnvironmentType.production, app.default_branch, app.last_commit_sha, ports)


def retire_app_environments(event: AppDeleted, ports: Ports) -> list[Event]:
    """A deleted app's environments are stopped, then deleted."""
    published: list[Event] = []
    for env in ports.environments.list_by_app(event.app_id):
        published += lifecycle.stop(env, StopReason.app_deleted, ports)
        ports.environments.delete(env.id)
        published.append(messages.deleted(env))
    return published


def redeploy_with_new_entrypoint(event: AppEntrypointChanged, ports: Ports) -> list[Event]:
    """A new entrypoint redeploys every live environment of the app, once per change."""
    app = ports.apps.get(event.app_id)
    if app is None:
        return []
    published: list[Event] = []
    for env in ports.environments.list_by_app(app.id):
        published += lifecycle.deploy(env, app, env.sha, rules.Trigger.DEPLOY, ports)
    return published


def route_push(event: BranchPushed, ports: Ports) -> list[Event]:
    """A push redeploys the environments of that branch that PUSH_ROUTING sends it to, once per sha."""
    published: list[Event] = []
    for app in apps_of(event.provider, event.repository, ports):
        for env in ports.environments.list_by_app(app.id):
            if rules.push_redeploys(env, event.branch, event.after_sha):
                published += lifecycle.deploy(env, app, event.after_sha, rules.Trigger.DEPLOY, ports)
    return published
