"""In-memory tables: apps, environments (with the conditional create), secrets and small key-values."""

from __future__ import annotations

from events.models import EnvironmentStatus
from ports import App, Environment, StoredSecret, UsageMark
from ports.previews import previews_of
from sim.fakes._calls import Recorder


class MemoryApps(Recorder):
    """Implements `ports.Apps`."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, App] = {}

    def get(self, app_id: str) -> App | None:
        return self.rows.get(app_id)

    def put(self, app: App) -> None:
        self._record("put", app.id)
        self.rows[app.id] = app

    def delete(self, app_id: str) -> None:
        self._record("delete", app_id)
        self.rows.pop(app_id, None)

    def list_all(self) -> list[App]:
        return list(self.rows.values())

    def list_by_repository(self, repository: str) -> list[App]:
        return [app for app in self.rows.values() if app.repository.lower() == repository.lower()]


class MemoryEnvironments(Recorder):
    """Implements `ports.Environments`; `create` is conditional like a DynamoDB or SQLite unique insert."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, Environment] = {}

    def get(self, environment_id: str) -> Environment | None:
        return self.rows.get(environment_id)

    def put(self, environment: Environment) -> None:
        self._record("put", environment.id, str(environment.status))
        self.rows[environment.id] = environment

    def create(self, environment: Environment) -> bool:
        self._record("create", environment.id)
        key = _identity(environment)
        clash = any(
            _identity(other) == key and other.status is not EnvironmentStatus.stopped for other in self.rows.values()
        )
        if clash or environment.id in self.rows:
            return False
        self.rows[environment.id] = environment
        return True

    def delete(self, environment_id: str) -> None:
        self._record("delete", environment_id)
        self.rows.pop(environment_id, None)

    def list_by_app(self, app_id: str) -> list[Environment]:
        return [env for env in self.rows.values() if env.app_id == app_id]

    def list_previews(self, app_id: str, pr_number: int) -> list[Environment]:
        return previews_of(self.list_by_app(app_id), pr_number)

    def list_all(self) -> list[Environment]:
        return list(self.rows.values())


def _identity(environment: Environment) -> tuple[str, str, str, int | None]:
    return (environment.app_id, str(environment.type), environment.branch, environment.pr_number)


class MemorySecretStore(Recorder):
    """Implements `ports.SecretStore`: holds ciphertext only."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str, str], StoredSecret] = {}

    def put(self, secret: StoredSecret) -> None:
        self._record("put", secret.app_id, str(secret.environment_type), secret.name)
        self.rows[(secret.app_id, str(secret.environment_type), secret.name)] = secret

    def get(self, app_id: str, environment_type: str, name: str) -> StoredSecret | None:
        return self.rows.get((app_id, str(environment_type), name))

    def list(self, app_id: str) -> list[StoredSecret]:
        return [secret for (app, _, _), secret in sorted(self.rows.items()) if app == app_id]

    def delete(self, app_id: str, environment_type: str, name: str) -> bool:
        self._record("delete", app_id, str(environment_type), name)
        return self.rows.pop((app_id, str(environment_type), name), None) is not None


class MemoryKeyValue(Recorder):
    """Implements `ports.KeyValue`."""

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.items.get(key)

    def put(self, key: str, value: str) -> None:
        self._record("put", key)
        self.items[key] = value


class MemoryUsage(Recorder):
    """Implements `ports.Usage`: marks keyed by (environment, event id), as the real tables key them."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: dict[tuple[str, str], UsageMark] = {}

    def record(self, mark: UsageMark) -> None:
        self._record("record", mark.environment_id, mark.event_id)
        self.marks[(mark.environment_id, mark.event_id)] = mark

    def marks_of_app(self, app_id: str) -> list[UsageMark]:
        return [mark for mark in self.marks.values() if mark.app_id == app_id]
