"""One pull-request comment per app: each preview's status, console link and public endpoints.

The comment is rendered from the environments table, not from the event that triggered it, so events
arriving late or twice still leave it showing the current state; an unchanged body is not sent again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from events import EndpointsChanged, EnvironmentStatusChanged, EnvironmentStopped, Event, PullRequestCommentUpserted
from events.models import EnvironmentStatus, EnvironmentType
from ports import Environment, Ports

_DIGEST = "github:comment-digest:"
_POSTER = "github:comment-poster:"
_ENDPOINTS = "github:endpoints:"
_ICONS = {EnvironmentStatus.running: "✅", EnvironmentStatus.error: "❌", EnvironmentStatus.stopped: "⏹️"}


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
    hosts = [[r.label, r.hostname] for r in event.records]
    ports.kv.put(_ENDPOINTS + event.environment_id, json.dumps(hosts))
    return refresh_comment(event.app_id, event.repository, event.pr_number, ports)


def refresh_comment(app_id: str, repository: str, pr_number: int | None, ports: Ports) -> list[Event]:
    """Upsert the app's comment when its body changed (a deleted app's comment says so, once)."""
    if pr_number is None:
        return []
    app = ports.apps.get(app_id)
    poster = _Poster(app.name, app.installation_id) if app is not None else _Poster.remembered(app_id, ports)
    if poster is None:
        return []  # an app deleted before it ever commented: nothing to update
    previews = sorted(
        (
            e
            for e in ports.environments.list_by_app(app_id)
            if e.type == EnvironmentType.preview and e.pr_number == pr_number
        ),
        key=lambda e: (e.created_at, e.id),
    )
    body = render_comment(app_id, poster.app_name, previews, ports, app_deleted=app is None)
    key, digest = f"{_DIGEST}{repository.lower()}#{pr_number}:{app_id}", hashlib.sha256(body.encode()).hexdigest()
    if ports.kv.get(key) == digest:
        return []
    ref = ports.github.upsert_pull_request_comment(poster.installation_id, repository, pr_number, marker(app_id), body)
    ports.kv.put(key, digest)
    ports.kv.put(_POSTER + app_id, json.dumps([poster.app_name, poster.installation_id]))
    return [
        PullRequestCommentUpserted(
            repository=repository, pr_number=pr_number, app_id=app_id, comment_id=ref.id, created=ref.created
        )
    ]


@dataclass(frozen=True)
class _Poster:
    """Who the comment is posted for: kept so that a deleted app's comment can still be updated."""

    app_name: str
    installation_id: int

    @classmethod
    def remembered(cls, app_id: str, ports: Ports) -> _Poster | None:
        stored = ports.kv.get(_POSTER + app_id)
        if stored is None:
            return None
        name, installation_id = json.loads(stored)
        return cls(str(name), int(installation_id))


def render_comment(
    app_id: str, app_name: str, previews: list[Environment], ports: Ports, *, app_deleted: bool = False
) -> str:
    """Markdown: a table with one row per preview of this pull request."""
    rows = [f"### wing.cloud · {app_name}", ""]
    if app_deleted:
        rows.append("This app was deleted; its previews are stopped.")
    else:
        rows += ["| Preview | Status | Endpoints | Console |", "|---|---|---|---|"]
    for env in previews:
        status = f"{env.status} {_ICONS.get(env.status, '⏳')}"
        hosts: list[list[str]] = json.loads(ports.kv.get(_ENDPOINTS + env.id) or "[]")
        links = ", ".join(f"[{label}](https://{host})" for label, host in hosts)
        endpoints = links if env.status == EnvironmentStatus.running and links else "-"
        console = f"[{env.id}]({ports.settings.console_url}/environments/{env.id})"
        rows.append(f"| `{env.branch}` @ `{env.sha[:7]}` | {status} | {endpoints} | {console} |")
    return "\n".join([*rows, "", marker(app_id)])
