"""One pull-request comment per app: each preview's status, console link and public endpoints.

The comment is rendered from the environments table, not from the event that triggered it, so events
arriving late or twice still leave it showing the current state; an unchanged body is not sent again.
"""

from __future__ import annotations

import hashlib

from events import EndpointsChanged, EnvironmentStatusChanged, EnvironmentStopped, Event, PullRequestCommentUpserted
from ports import DnsHost, Environment, Ports, Poster
from ports.previews import preview_table


def marker(app_id: str) -> str:
    return f"<!-- wingcloud:app:{app_id} -->"


def on_status_changed(event: EnvironmentStatusChanged, ports: Ports) -> list[Event]:
    """A preview's status changed: refresh its app's comment on the pull request."""
    return refresh_comment(event.app_id, event.repository, event.pr_number, ports)


def on_stopped(event: EnvironmentStopped, ports: Ports) -> list[Event]:
    """A preview stopped: refresh its app's comment on the pull request."""
    return refresh_comment(event.app_id, event.repository, event.pr_number, ports)


def on_endpoints_changed(event: EndpointsChanged, ports: Ports) -> list[Event]:
    """A preview's public names changed: remember them and refresh the comment."""
    ports.comments.remember_hosts(event.environment_id, [DnsHost(r.label, r.hostname) for r in event.records])
    return refresh_comment(event.app_id, event.repository, event.pr_number, ports)


def refresh_comment(app_id: str, repository: str, pr_number: int | None, ports: Ports) -> list[Event]:
    """Upsert the app's comment when its body changed (a deleted app's comment says so, once)."""
    if pr_number is None:
        return []
    app = ports.apps.get(app_id)
    poster = Poster(app.name, app.installation_id) if app is not None else ports.comments.poster(app_id)
    if poster is None:
        return []  # an app deleted before it ever commented: nothing to update
    previews = ports.environments.list_previews(app_id, pr_number)
    body = render_comment(app_id, poster.app_name, previews, ports, app_deleted=app is None)
    thread, digest = f"{repository.lower()}#{pr_number}:{app_id}", hashlib.sha256(body.encode()).hexdigest()
    if ports.comments.last_digest(thread) == digest:
        return []
    ref = ports.github.upsert_pull_request_comment(poster.installation_id, repository, pr_number, marker(app_id), body)
    ports.comments.record_digest(thread, digest)
    ports.comments.remember_poster(app_id, poster)
    return [
        PullRequestCommentUpserted(
            provider="github",
            repository=repository,
            pr_number=pr_number,
            app_id=app_id,
            comment_id=ref.id,
            created=ref.created,
        )
    ]


def render_comment(
    app_id: str, app_name: str, previews: list[Environment], ports: Ports, *, app_deleted: bool = False
) -> str:
    """Markdown: a table with one row per preview of this pull request."""
    return preview_table(app_name, previews, ports, app_deleted=app_deleted, end=marker(app_id))
