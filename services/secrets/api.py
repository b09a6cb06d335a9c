"""Secrets per app and environment type: written and listed through the API, read in plaintext only by
the runtime at deploy time. Values never leave this module except as `read_for_deploy`'s return value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from events import AppDeleted, Event, SecretCreated, SecretDeleted
from events.models import EnvironmentType
from ports import KeyService, Ports, SecretStore, StoredSecret
from services.secrets.crypto import associated_data, seal, unseal

NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
MAX_VALUE_BYTES = 64 * 1024
MASK = "••••••••"


class InvalidSecretError(ValueError):
    """A secret's name, environment type or value is not acceptable; names the field, never the value."""


@dataclass(frozen=True)
class SecretView:
    """A secret as the API lists it: masked."""

    name: str
    environment_type: EnvironmentType
    value: str
    updated_at: datetime


def create_secret(app_id: str, environment_type: str, name: str, value: str, ports: Ports) -> list[Event]:
    """Encrypt and store (or replace) a secret; publish its name only."""
    env_type = _environment_type(environment_type)
    if not NAME.match(name):
        raise InvalidSecretError(f"name: {name!r} must match {NAME.pattern} (e.g. SLACK_WEBHOOK_URL)")
    if not value or len(value.encode("utf-8")) > MAX_VALUE_BYTES:
        raise InvalidSecretError(f"value of {name}: must be 1 to {MAX_VALUE_BYTES} bytes")
    ciphertext, wrapped = seal(value, associated_data(app_id, env_type, name), ports.keys)
    ports.secrets.put(StoredSecret(app_id, env_type, name, ciphertext, wrapped, ports.clock.now()))
    return [SecretCreated(app_id=app_id, environment_type=env_type, name=name)]


def delete_secret(app_id: str, environment_type: str, name: str, ports: Ports) -> list[Event]:
    """Delete a secret; deleting a missing one publishes nothing. Takes effect at the next deploy."""
    env_type = _environment_type(environment_type)
    if not ports.secrets.delete(app_id, env_type, name):
        return []
    return [SecretDeleted(app_id=app_id, environment_type=env_type, name=name)]


def forget_app_secrets(event: AppDeleted, ports: Ports) -> list[Event]:
    """A deleted app's secrets go with it (they were left behind, readable by nothing, forever)."""
    for secret in ports.secrets.list(event.app_id):
        ports.secrets.delete(event.app_id, secret.environment_type, secret.name)
    return []


def list_secrets(app_id: str, ports: Ports) -> list[SecretView]:
    """The app's secrets with their values masked."""
    return [
        SecretView(s.name, EnvironmentType(s.environment_type), MASK, s.updated_at) for s in ports.secrets.list(app_id)
    ]


def read_for_deploy(app_id: str, environment_type: str, ports: Ports) -> dict[str, str]:
    """Plaintext values for one deploy, by name."""
    return StoredSecretReader(ports.secrets, ports.keys).read_for_deploy(app_id, environment_type)


class StoredSecretReader:
    """Implements `ports.SecretReader` over the secret store and the KeyService: how the runtime gets the
    plaintext of a deploy's secrets, without importing this service (composition roots wire it)."""

    def __init__(self, store: SecretStore, keys: KeyService) -> None:
        self._store, self._keys = store, keys

    def read_for_deploy(self, app_id: str, environment_type: str) -> dict[str, str]:
        env_type = _environment_type(environment_type)
        return {
            s.name: unseal(s.ciphertext, s.wrapped_key, associated_data(app_id, env_type, s.name), self._keys)
            for s in self._store.list(app_id)
            if s.environment_type == env_type
        }


def _environment_type(value: str) -> EnvironmentType:
    try:
        return EnvironmentType(value)
    except ValueError:
        raise InvalidSecretError(
            f"environment_type: {value!r} is not one of {', '.join(t.value for t in EnvironmentType)}"
        ) from None
