"""secrets: per app and environment type, encrypted at rest, listed masked, read in plaintext only at deploy
time by the runtime. It receives no events; its API functions are called by the composition roots."""

from __future__ import annotations

from ports import ServiceDefinition
from services.secrets.api import (
    InvalidSecretError,
    SecretView,
    StoredSecretReader,
    create_secret,
    delete_secret,
    list_secrets,
    read_for_deploy,
)
from services.secrets.crypto import SecretDecryptionError

SERVICE = ServiceDefinition(name="secrets", handlers={})

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
