"""apps: the apps directory. Apps are created, deleted and changed through the API (`commands`); pushes to
an app's default branch update its last commit."""

from __future__ import annotations

from events import BranchPushed
from ports import ServiceDefinition
from services.apps.commands import change_entrypoint, create_app, delete_app, list_apps
from services.apps.handlers import record_last_commit
from services.apps.validation import InvalidAppError, UnknownAppError

SERVICE = ServiceDefinition(name="apps", handlers={BranchPushed: record_last_commit})

__all__ = [
    "SERVICE",
    "InvalidAppError",
    "UnknownAppError",
    "change_entrypoint",
    "create_app",
    "delete_app",
    "list_apps",
]
