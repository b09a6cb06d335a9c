"""Ports to wing.cloud's own state: tables owned by one service each and the console feed."""

from __future__ import annotations

from typing import Protocol

from ports.values import App, Environment, FeedItem, StoredSecret


class Apps(Protocol):
    """The apps directory (owned by apps; read by environments)."""

    def get(self, app_id: str) -> App | None: ...

    def put(self, app: App) -> None: ...

    def delete(self, app_id: str) -> None: ...

    def list_all(self) -> list[App]: ...

    def list_by_repository(self, repository: str) -> list[App]:
        """Every app of every user bound to owner/repo (case-insensitive, as GitHub is)."""
        ...


class Environments(Protocol):
    """Environments table (owned by environments, the only writer of status)."""

    def get(self, environment_id: str) -> Environment | None: ...

    def put(self, environment: Environment) -> None: ...

    def create(self, environment: Environment) -> bool:
        """Insert unless an environment with the same (app_id, type, branch, pr_number) is not stopped;
        return False when one exists. Conditional so redelivery cannot create duplicates."""
        ...

    def delete(self, environment_id: str) -> None: ...

    def list_by_app(self, app_id: str) -> list[Environment]: ...

    def list_all(self) -> list[Environment]: ...


class SecretStore(Protocol):
    def put(self, secret: StoredSecret) -> None: ...

    def get(self, app_id: str, environment_type: str, name: str) -> StoredSecret | None: ...

    def list(self, app_id: str) -> list[StoredSecret]: ...

    def delete(self, app_id: str, environment_type: str, name: str) -> bool: ...


class KeyValue(Protocol):
    """Small per-service records that are not tables of their own (e.g. comment ids, deployed shas)."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, value: str) -> None: ...


class Feed(Protocol):
    """Console live updates."""

    def push(self, item: FeedItem) -> None: ...

    def recent(self, limit: int = 100) -> list[FeedItem]: ...
