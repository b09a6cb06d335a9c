"""Rows and events for tests: an app, an environment and its events, with sensible defaults
(Codertocat/Hello-World, PR #2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from events.models import EnvironmentStatus, EnvironmentType
from ports import App, Environment
from sim.fakes import EPOCH

SHA_A = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
SHA_B = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
E = TypeVar("E", bound=BaseModel)

_PREVIEW = {  # the identity every environment event carries, for `an_environment()`'s preview
    "environment_id": "env_1",
    "app_id": "app_1",
    "type": "preview",
    "repository": "Codertocat/Hello-World",
    "branch": "changes",
    "pr_number": 2,
}


def a_preview_event(model: type[E], **fields: Any) -> E:
    """An event about the default preview: its identity fields (those the model has), then `fields`."""
    identity = {k: v for k, v in _PREVIEW.items() if k in model.model_fields}
    return model.model_validate(identity | fields)


def an_app(app_id: str = "app_1", **changes: Any) -> App:
    app = App(
        id=app_id,
        name="hello",
        owner="codertocat",
        repository="Codertocat/Hello-World",
        default_branch="master",
        entrypoint="main.w",
        installation_id=1,
        created_at=EPOCH,
        last_commit_sha=SHA_A,
        last_commit_message="Initial commit",
    )
    return replace(app, **changes)


def an_environment(
    environment_id: str = "env_1",
    *,
    app_id: str = "app_1",
    status: EnvironmentStatus = EnvironmentStatus.running,
    env_type: EnvironmentType = EnvironmentType.preview,
    at: datetime = EPOCH,
    **changes: Any,
) -> Environment:
    preview = env_type == EnvironmentType.preview
    env = Environment(
        id=environment_id,
        app_id=app_id,
        type=env_type,
        repository="Codertocat/Hello-World",
        branch="changes" if preview else "master",
        sha=SHA_A,
        status=status,
        created_at=at,
        updated_at=at,
        pr_number=2 if preview else None,
        deployment_id="dep_1",
        deployed_sha=SHA_A,
    )
    return replace(env, **changes)
