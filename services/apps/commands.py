"""The apps directory's API: create, delete, change entrypoint, list. Each returns the app and the events
the composition root publishes."""

from __future__ import annotations

from dataclasses import replace

from events import AppCreated, AppDeleted, AppEntrypointChanged, Event
from ports import App, Ports
from services.apps.validation import (
    InvalidAppError,
    UnknownAppError,
    check_entrypoint,
    check_new_app,
    check_provider,
)


def create_app(
    owner: str,
    name: str,
    repository: str,
    default_branch: str,
    entrypoint: str,
    installation_id: int,
    ports: Ports,
    provider: str = "github",
) -> tuple[App, list[Event]]:
    """A validated app bound to `repository` at `provider`, starting at the last commit of its default branch."""
    check_new_app(owner, name, repository, default_branch, entrypoint, installation_id)
    host = check_provider(provider, ports.code_hosts)
    if any(app.owner == owner and app.name == name for app in ports.apps.list_all()):
        raise InvalidAppError("name", name, f"is already used by another app of {owner}")
    head = host.get_branch_head(installation_id, repository, default_branch)
    if head is None:
        raise InvalidAppError("default_branch", default_branch, f"does not exist in {repository} on {provider}")
    app = App(
        id=ports.ids.new("app"),
        name=name,
        owner=owner,
        repository=repository,
        default_branch=default_branch,
        entrypoint=entrypoint,
        installation_id=installation_id,
        created_at=ports.clock.now(),
        last_commit_sha=head.sha,
        last_commit_message=head.message,
        provider=provider,
    )
    ports.apps.put(app)
    return app, [_created(app)]


def delete_app(app_id: str, ports: Ports) -> tuple[App, list[Event]]:
    """Remove the app; its environments are stopped and deleted by the environment manager."""
    app = _get(app_id, ports)
    ports.apps.delete(app_id)
    return app, [AppDeleted(app_id=app.id, repository=app.repository)]


def change_entrypoint(app_id: str, entrypoint: str, ports: Ports) -> tuple[App, list[Event]]:
    """A new entrypoint redeploys the app's environments; the same one changes nothing."""
    app = _get(app_id, ports)
    check_entrypoint(entrypoint)
    if entrypoint == app.entrypoint:
        return app, []
    changed = replace(app, entrypoint=entrypoint)
    ports.apps.put(changed)
    return changed, [AppEntrypointChanged(app_id=app.id, entrypoint=entrypoint, previous_entrypoint=app.entrypoint)]


def list_apps(ports: Ports, *, repository: str | None = None, owner: str | None = None) -> list[App]:
    """Apps, optionally only those bound to `repository` (every user's) or owned by `owner`."""
    apps = ports.apps.list_by_repository(repository) if repository is not None else ports.apps.list_all()
    return [app for app in apps if owner is None or app.owner == owner]


def _created(app: App) -> AppCreated:
    return AppCreated(
        app_id=app.id,
        app_name=app.name,
        owner=app.owner,
        repository=app.repository,
        default_branch=app.default_branch,
        entrypoint=app.entrypoint,
        installation_id=app.installation_id,
        provider=app.provider,
    )


def _get(app_id: str, ports: Ports) -> App:
    app = ports.apps.get(app_id)
    if app is None:
        raise UnknownAppError(app_id)
    return app
