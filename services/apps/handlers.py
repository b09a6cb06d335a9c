"""Keeps each app's last commit of its default branch from pushes."""

from __future__ import annotations

from dataclasses import replace

from events import AppLastCommitUpdated, BranchPushed, Event
from ports import Ports


def record_last_commit(event: BranchPushed, ports: Ports) -> list[Event]:
    """A push to an app's default branch becomes its last commit (once per sha)."""
    published: list[Event] = []
    for app in ports.apps.list_by_repository(event.repository):
        if (
            app.provider != event.provider
            or app.default_branch != event.branch
            or app.last_commit_sha == event.after_sha
        ):
            continue
        message = event.head_commit_message
        ports.apps.put(replace(app, last_commit_sha=event.after_sha, last_commit_message=message))
        published.append(AppLastCommitUpdated(app_id=app.id, branch=event.branch, sha=event.after_sha, message=message))
    return published
