"""Pull requests -> preview environments: one per app bound to the repository, per pull request."""

from __future__ import annotations

from events import Event, PullRequestClosed, PullRequestOpened, PullRequestReopened, PullRequestSynchronized
from events.models import EnvironmentType, StopReason
from ports import App, Environment, Ports
from services.environments import lifecycle, rules
from services.environments.directory import apps_of


def open_previews(event: PullRequestOpened | PullRequestReopened, ports: Ports) -> list[Event]:
    """Opened or reopened: a new preview for the head branch in every app of the repository (not for forks)."""
    if event.is_fork and not rules.PREVIEW_FORK_PULL_REQUESTS:
        return []
    published: list[Event] = []
    for app in apps_of(event.provider, event.repository, ports):
        published += lifecycle.open_environment(
            app,
            EnvironmentType.preview,
            event.head_branch,
            event.head_sha,
            ports,
            pr_number=event.pr_number,
            title=event.title,
        )
    return published


def redeploy_previews(event: PullRequestSynchronized, ports: Ports) -> list[Event]:
    """New commits on the pull request: redeploy its live previews, once per sha."""
    published: list[Event] = []
    for app, env in _previews(event.provider, event.repository, event.pr_number, ports):
        if rules.needs_deploy(env, event.head_sha):
            published += lifecycle.deploy(env, app, event.head_sha, rules.Trigger.DEPLOY, ports)
    return published


def stop_previews(event: PullRequestClosed, ports: Ports) -> list[Event]:
    """Closed, merged or not: stop its previews that are not stopped yet."""
    published: list[Event] = []
    for _, env in _previews(event.provider, event.repository, event.pr_number, ports):
        published += lifecycle.stop(env, StopReason.pull_request_closed, ports)
    return published


def _previews(provider: str, repository: str, pr_number: int, ports: Ports) -> list[tuple[App, Environment]]:
    return [
        (app, env)
        for app in apps_of(provider, repository, ports)
        for env in ports.environments.list_by_app(app.id)
        if rules.is_preview_of(env, pr_number)
    ]
