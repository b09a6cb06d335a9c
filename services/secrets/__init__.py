"""secrets: per app and environment type, encrypted at rest, listed masked, read in plaintext only at deploy
time by the runtime. Its API functions are called by the composition roots; a deleted app's secrets are
deleted when its AppDeleted arrives."""

from __future__ import annotations

from events import AppDeleted
from ports import ServiceDefinition
from services.secrets.api import (
    InvalidSecretError,
    SecretView,
    StoredSecretReader,
    create_secret,
    delete_secret,
    forget_app_secrets,
    list_secrets,
    read_for_deploy,
)
from services.secrets.crypto import SecretDecryptionError

SERVICE = ServiceDefinition(name="secrets", handlers={AppDeleted: forget_app_secrets})

__all__ = [
    "SERVICE",
    "InvalidSecretError",
    "SecretDecryptionError",
    "SecretView",
    "StoredSecretReader",
    "create_secret",
    "delete_secret",
    "list_secrets",
    "read_for_deploy",
]
