"""Read-only questions scenarios ask a world: which app, which environments, which events, which payload.

Kept apart from the steps so every step module asks them the same way, on any backend.
"""

from __future__ import annotations

import json
from typing import Any

from events.models import EnvironmentStatus, EnvironmentType
from ports import App, Environment
from sim.world import WorldLike
from tests.fixtures import github_body, github_manifest

MANIFEST: dict[str, str] = {row["file"]: row["x_github_event"] for row in github_manifest()}

ZONE = "wingcloud.test"


def fixture_bytes(name: str) -> bytes:
    """A recorded GitHub delivery body, byte for byte."""
    return github_body(name)


def fixture_json(name: str) -> dict[str, Any]:
    """A recorded delivery body as a dict, to derive another payload from (say so in the step)."""
    payload: dict[str, Any] = json.loads(fixture_bytes(name))
    return payload


def app_named(world: WorldLike, name: str) -> App:
    matches = [app for app in world.apps() if app.name == name]
    assert len(matches) == 1, f"expected one app named {name!r}, found {[a.name for a in world.apps()]}"
    return matches[0]


def previews(world: WorldLike, app_name: str, pr_number: int) -> list[Environment]:
    """The app's previews for one pull request, oldest first."""
    app = app_named(world, app_name)
    found = [e for e in world.environments(app.id) if e.type == EnvironmentType.preview and e.pr_number == pr_number]
    return sorted(found, key=lambda e: (e.created_at, e.id))


def live_preview(world: WorldLike, app_name: str, pr_number: int) -> Environment:
    live = [e for e in previews(world, app_name, pr_number) if e.status != EnvironmentStatus.stopped]
    assert len(live) == 1, f"expected one live preview of {app_name} for #{pr_number}, found {live}"
    return live[0]


def latest_preview(world: WorldLike, app_name: str, pr_number: int) -> Environment:
    found = previews(world, app_name, pr_number)
    assert found, f"{app_name} has no preview for pull request #{pr_number}"
    return found[-1]


def production(world: WorldLike, app_name: str) -> Environment:
    app = app_named(world, app_name)
    [env] = [e for e in world.environments(app.id) if e.type == EnvironmentType.production]
    return env


def details(world: WorldLike, detail_type: str) -> list[dict[str, Any]]:
    """The `detail` of every published event of one type, in publish order."""
    return [envelope.detail for envelope in world.events(detail_type)]


def about(world: WorldLike, detail_type: str, environment_id: str) -> list[dict[str, Any]]:
    return [d for d in details(world, detail_type) if d.get("environment_id") == environment_id]


def caused_by(world: WorldLike, correlation_id: str) -> list[str]:
    """Detail-types published under one correlation id (a delivery or a request), in publish order."""
    return [e.detail_type for e in world.events() if e.correlation_id == correlation_id]


def deployments_of(world: WorldLike, environment_id: str) -> list[str]:
    """Distinct deployment ids requested for an environment, in order."""
    seen: list[str] = []
    for detail in about(world, "EnvironmentDeployRequested", environment_id):
        if detail["deployment_id"] not in seen:
            seen.append(detail["deployment_id"])
    return seen


def dns_labels(world: WorldLike, environment_id: str) -> list[str]:
    suffix = "-" + environment_id.replace("_", "-")
    return sorted(name.removesuffix(suffix) for name in world.dns.names(ZONE) if name.endswith(suffix))


def as_body(payload: dict[str, Any]) -> bytes:
    """A derived payload as the bytes of a delivery."""
    return json.dumps(payload).encode()
