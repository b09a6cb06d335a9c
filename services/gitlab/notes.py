"""One note per app on a merge request: each preview's status, console link and public endpoints.

As GitHub's comment: rendered from the environments table, not from the event that triggered it, so events
arriving late or twice still leave it showing the current state; an unchanged body is not sent again.
"""

from __future__ import annotations

import hashlib

from events import EndpointsChanged, EnvironmentStatusChanged, EnvironmentStopped, Event, PullRequestCommentUpserted
from ports import DnsHost, Environment, Ports, Poster
from ports.previews import preview_table
from services.gitlab.translate import PROVIDER


def marker(app_id: str) -> str:
    return f"<!-- wingcloud:app:{app_id} -->"


def on_status_changed(event: EnvironmentStatusChanged, ports: Ports) -> list[Event]:
    """A preview's status changed: refresh its app's note on the merge request."""
    return refresh_note(event.app_id, event.repository, event.pr_number, ports)


def on_stopped(event: EnvironmentStopped, ports: Ports) -> list[Event]:
    """A preview stopped: refresh its app's note on the merge request."""
    return refresh_note(event.app_id, event.repository, event.pr_number, ports)


def on_endpoints_changed(event: EndpointsChanged, ports: Ports) -> list[Event]:
    """A preview's public names changed: remember them and refresh the note."""
    ports.comments.remember_hosts(event.environment_id, [DnsHost(r.label, r.hostname) for r in event.records])
    return refresh_note(event.app_id, event.repository, event.pr_number, ports)


def refresh_note(app_id: str, repository: str, mr_iid: int | None, ports: Ports) -> list[Event]:
    """Upsert the app's note when its body changed (a deleted app's note says so, once)."""
    if mr_iid is None:
        return []
    app = ports.apps.get(app_id)
    poster = Poster(app.name, app.installation_id) if app is not None else ports.comments.poster(app_id)
    if poster is None:
        return []  # an app deleted before it ever noted: nothing to update
    previews = ports.environments.list_previews(app_id, mr_iid)
    body = render_note(app_id, poster.app_name, previews, ports, app_deleted=app is None)
    thread = f"{PROVIDER}:{repository.lower()}!{mr_iid}:{app_id}"
    digest = hashlib.sha256(body.encode()).hexdigest()
    if ports.comments.last_digest(thread) == digest:
        return []
    ref = ports.gitlab.upsert_merge_request_note(poster.installation_id, repository, mr_iid, marker(app_id), body)
    ports.comments.record_digest(thread, digest)
    ports.comments.remember_poster(app_id, poster)
    return [
        PullRequestCommentUpserted(
            provider=PROVIDER,
            repository=repository,
            pr_number=mr_iid,
            app_id=app_id,
            comment_id=ref.id,
            created=ref.created,
        )
    ]


def render_note(
    app_id: str, app_name: str, previews: list[Environment], ports: Ports, *, app_deleted: bool = False
) -> str:
    """GitLab-flavoured Markdown: a table with one row per preview of this merge request."""
    return preview_table(app_name, previews, ports, app_deleted=app_deleted, end=marker(app_id))
