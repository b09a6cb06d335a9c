"""Port values <-> JSON text for the SQLite tables (explicit, so a schema change is a visible diff)."""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

from events.models import EnvironmentStatus, EnvironmentType
from ports.values import App, Environment, FeedItem


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def app_to_json(app: App) -> str:
    return json.dumps(
        {
            "id": app.id,
            "name": app.name,
            "owner": app.owner,
            "repository": app.repository,
            "default_branch": app.default_branch,
            "entrypoint": app.entrypoint,
            "installation_id": app.installation_id,
            "created_at": app.created_at.isoformat(),
            "last_commit_sha": app.last_commit_sha,
            "last_commit_message": app.last_commit_message,
        }
    )


def app_from_json(text: str) -> App:
    raw = json.loads(text)
    raw["created_at"] = _time(raw["created_at"])
    return App(**raw)


def environment_to_json(env: Environment) -> str:
    return json.dumps(
        {
            "id": env.id,
            "app_id": env.app_id,
            "type": env.type.value,
            "repository": env.repository,
            "branch": env.branch,
            "sha": env.sha,
            "status": env.status.value,
            "created_at": env.created_at.isoformat(),
            "updated_at": env.updated_at.isoformat(),
            "pr_number": env.pr_number,
            "title": env.title,
            "deployment_id": env.deployment_id,
            "deployed_sha": env.deployed_sha,
            "endpoints": [list(e) for e in env.endpoints],
            "test_results": [list(t) for t in env.test_results],
            "error_message": env.error_message,
            "fly_app_name": env.fly_app_name,
        }
    )


@functools.lru_cache(maxsize=8192)
def environment_from_json(text: str) -> Environment:
    """Cached on the row's text: environments are frozen, and handlers read the same rows over and over."""
    raw: dict[str, Any] = json.loads(text)
    raw["type"] = EnvironmentType(raw["type"])
    raw["status"] = EnvironmentStatus(raw["status"])
    raw["created_at"] = _time(raw["created_at"])
    raw["updated_at"] = _time(raw["updated_at"])
    raw["endpoints"] = tuple((str(a), str(b)) for a, b in raw["endpoints"])
    raw["test_results"] = tuple((str(p), bool(ok), e) for p, ok, e in raw["test_results"])
    return Environment(**raw)


def feed_item_from_row(kind: str, subject: str, summary: str, at: str, data: str) -> FeedItem:
    return FeedItem(kind=kind, subject=subject, summary=summary, at=_time(at), data=json.loads(data))
