"""Ports to wing.cloud's own state: tables owned by one service each and the console feed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ports.values import App, DnsHost, Environment, FeedItem, Poster, StoredSecret, UsageMark


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

    def list_previews(self, app_id: str, pr_number: int) -> list[Environment]:
        """The app's preview environments of one pull (or merge) request, whatever their status, oldest first."""
        ...

    def list_all(self) -> list[Environment]: ...


class SecretStore(Protocol):
    def put(self, secret: StoredSecret) -> None: ...

    def get(self, app_id: str, environment_type: str, name: str) -> StoredSecret | None: ...

    def list(self, app_id: str) -> list[StoredSecret]: ...

    def delete(self, app_id: str, environment_type: str, name: str) -> bool: ...


class KeyValue(Protocol):
    """The store under the small typed ports below (`ports.records`); no handler sees it."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, value: str) -> None: ...


class SecretReader(Protocol):
    """Plaintext secrets for one deploy (owned by secrets, read by the runtime; never on the bus)."""

    def read_for_deploy(self, app_id: str, environment_type: str) -> dict[str, str]:
        """Every secret of the app for this environment type, by name."""
        ...


class Comments(Protocol):
    """github's record of the pull-request comments it posts."""

    def last_digest(self, thread: str) -> str | None:
        """The digest of the body last posted in `thread` (repository, pull request, app)."""
        ...

    def record_digest(self, thread: str, digest: str) -> None: ...

    def poster(self, app_id: str) -> Poster | None:
        """Who the app's comments were posted for, remembered past the app's deletion."""
        ...

    def remember_poster(self, app_id: str, poster: Poster) -> None: ...

    def hosts(self, environment_id: str) -> list[DnsHost]:
        """The public names of the environment's endpoints, as endpoints last announced them."""
        ...

    def remember_hosts(self, environment_id: str, hosts: Sequence[DnsHost]) -> None: ...


class Machines(Protocol):
    """runtime's record of what it did at fly.io: per deployment, per stopped environment."""

    def provisioned(self, deployment_id: str) -> bool:
        """A machine was started for this deployment (or fly.io refused it): do not ask again."""
        ...

    def record_machine(self, deployment_id: str, machine_id: str | None, *, environment_id: str) -> None:
        """The machine started for the deployment; None when fly.io refused it."""
        ...

    def replaced_by(self, environment_id: str, deployment_id: str) -> list[str]:
        """The machines of the environment's deployments started before `deployment_id` and not yet retired
        (none when `deployment_id` has no machine)."""
        ...

    def record_retired(self, environment_id: str, machine_id: str) -> None: ...

    def destroyed(self, environment_id: str) -> bool:
        """The environment's fly.io app was destroyed: start nothing for it again."""
        ...

    def record_destroyed(self, environment_id: str) -> None: ...


class LogIndex(Protocol):
    """logs' record of which deployment's log is the current one, per environment."""

    def current(self, environment_id: str) -> str | None:
        """The deployment whose log the environment shows; None before the first one, and once purged."""
        ...

    def start(self, environment_id: str, deployment_id: str) -> bool:
        """Make the deployment's log the current one; False when that deployment had started it already."""
        ...

    def purged(self, environment_id: str) -> bool: ...

    def purge(self, environment_id: str) -> None:
        """The environment stopped: it has no current log, and none starts again."""
        ...


class RetiredNames(Protocol):
    """endpoints' record of the environments whose DNS names it removed for good (they stopped)."""

    def retired(self, environment_id: str) -> bool: ...

    def retire(self, environment_id: str) -> None: ...


class Usage(Protocol):
    """usage's marks: every status change and stop of every environment, one per event id (owned by usage;
    read by the API). Totals are derived from them when read, never kept, so redelivery cannot count twice."""

    def record(self, mark: UsageMark) -> None:
        """Keep the mark; a mark with the same (environment, event id) is the same mark, kept once."""
        ...

    def marks_of_app(self, app_id: str) -> list[UsageMark]:
        """Every mark of every environment of the app, in no particular order."""
        ...


class Feed(Protocol):
    """Console live updates."""

    def push(self, item: FeedItem) -> None: ...

    def recent(self, limit: int = 100) -> list[FeedItem]: ...
