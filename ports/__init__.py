"""Ports: the interfaces between wing.cloud's services and everything they do not own.

Services depend only on these protocols; `sim/fakes/` implements them in memory, `adapters/` for real.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from events import Event
from ports.edges import Arrival, Edge
from ports.outside import (
    DNS,
    BlobStore,
    Clock,
    CodeHost,
    CodeHosts,
    FlyIO,
    FlyIOError,
    GitHub,
    GitLab,
    Ids,
    KeyService,
    UnknownProviderError,
)
from ports.state import (
    Apps,
    Comments,
    Environments,
    Feed,
    KeyValue,
    LogIndex,
    Machines,
    RetiredNames,
    SecretReader,
    SecretStore,
    Usage,
)
from ports.values import (
    App,
    BranchHead,
    CloneAccess,
    CommentRef,
    DnsEntry,
    DnsHost,
    Environment,
    FeedItem,
    LogBatch,
    LogLine,
    MachineSpec,
    Poster,
    RuntimeReport,
    StoredSecret,
    UsageMark,
)


@dataclass(frozen=True)
class Settings:
    """Deployment facts handlers need; read by composition roots, never by handlers."""

    console_url: str = "http://127.0.0.1:8080"
    # whether console_url serves the console page: `wingcloud serve` does; the AWS ingress serves the API and the
    # doors only, so its comments carry no console link (it would answer 404)
    console_page: bool = True
    dns_zone: str = "wingcloud.test"
    runtime_image: str = "registry.fly.io/wingcloud-runtime:latest"  # built from the Dockerfile by the operator
    stale_preview_seconds: int = 7 * 24 * 3600


@dataclass(frozen=True)
class Ports:
    """Everything a handler may touch. Built only by a composition root."""

    clock: Clock
    ids: Ids
    github: GitHub
    gitlab: GitLab
    flyio: FlyIO
    dns: DNS
    keys: KeyService
    blobs: BlobStore
    apps: Apps
    environments: Environments
    secrets: SecretStore
    secret_reader: SecretReader
    feed: Feed
    comments: Comments
    machines: Machines
    log_index: LogIndex
    retired_names: RetiredNames
    usage: Usage
    settings: Settings = Settings()

    @property
    def code_hosts(self) -> CodeHosts:
        """Every code host by provider name (what `provider` in apps and events names)."""
        return CodeHosts({"github": self.github, "gitlab": self.gitlab})


Handler = Callable[[Any, Ports], Sequence[Event]]


@dataclass(frozen=True)
class ServiceDefinition:
    """A service as the buses see it: its name, per received event class its handler, and its edges (the
    doors from outside the bus it owns, by name)."""

    name: str
    handlers: Mapping[type[Event], Handler]
    edges: Mapping[str, Edge] = field(default_factory=dict)


__all__ = [
    "DNS",
    "App",
    "Apps",
    "Arrival",
    "BlobStore",
    "BranchHead",
    "Clock",
    "CloneAccess",
    "CodeHost",
    "CodeHosts",
    "CommentRef",
    "Comments",
    "DnsEntry",
    "DnsHost",
    "Edge",
    "Environment",
    "Environments",
    "Feed",
    "FeedItem",
    "FlyIO",
    "FlyIOError",
    "GitHub",
    "GitLab",
    "Handler",
    "Ids",
    "KeyService",
    "KeyValue",
    "LogBatch",
    "LogIndex",
    "LogLine",
    "MachineSpec",
    "Machines",
    "Ports",
    "Poster",
    "RetiredNames",
    "RuntimeReport",
    "SecretReader",
    "SecretStore",
    "ServiceDefinition",
    "Settings",
    "StoredSecret",
    "UnknownProviderError",
    "Usage",
    "UsageMark",
]
