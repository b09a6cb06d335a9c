"""In-memory fakes of every port, each recording its `calls`; `Fakes` bundles one of each into `Ports`.

Clock and ids come from the simulator's own `VirtualClock` and `SequentialIds`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from ports import Ports, Settings
from ports.records import KeyValueComments, KeyValueLogIndex, KeyValueMachines, KeyValueRetiredNames
from sim.clock import VirtualClock
from sim.fakes._calls import Call, Recorder
from sim.fakes.blobs import FakeBlobStore
from sim.fakes.dns import FakeDNS
from sim.fakes.feed import MemoryFeed
from sim.fakes.flyio import FakeFlyApp, FakeFlyIO, RuntimeScript, script_reports
from sim.fakes.github import FakeComment, FakeGitHub
from sim.fakes.gitlab import FakeGitLab, FakeNote
from sim.fakes.keys import FakeKeyService
from sim.fakes.tables import MemoryApps, MemoryEnvironments, MemoryKeyValue, MemorySecretStore, MemoryUsage
from sim.ids import SequentialIds

EPOCH = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


@dataclass
class Fakes:
    """One fake per port; `ports()` wires them (and a clock and ids) into a `Ports` bundle."""

    github: FakeGitHub = field(default_factory=FakeGitHub)
    gitlab: FakeGitLab = field(default_factory=FakeGitLab)
    flyio: FakeFlyIO = field(default_factory=FakeFlyIO)
    dns: FakeDNS = field(default_factory=FakeDNS)
    keys: FakeKeyService = field(default_factory=FakeKeyService)
    blobs: FakeBlobStore = field(default_factory=FakeBlobStore)
    apps: MemoryApps = field(default_factory=MemoryApps)
    environments: MemoryEnvironments = field(default_factory=MemoryEnvironments)
    secrets: MemorySecretStore = field(default_factory=MemorySecretStore)
    kv: MemoryKeyValue = field(default_factory=MemoryKeyValue)
    feed: MemoryFeed = field(default_factory=MemoryFeed)
    usage: MemoryUsage = field(default_factory=MemoryUsage)
    clock: VirtualClock = field(default_factory=lambda: VirtualClock(EPOCH))
    ids: SequentialIds = field(default_factory=SequentialIds)

    def ports(self, settings: Settings | None = None) -> Ports:
        from services.secrets import StoredSecretReader

        return Ports(
            clock=self.clock,
            ids=self.ids,
            github=self.github,
            gitlab=self.gitlab,
            flyio=self.flyio,
            dns=self.dns,
            keys=self.keys,
            blobs=self.blobs,
            apps=self.apps,
            environments=self.environments,
            secrets=self.secrets,
            secret_reader=StoredSecretReader(self.secrets, self.keys),
            feed=self.feed,
            comments=KeyValueComments(self.kv),
            machines=KeyValueMachines(self.kv),
            log_index=KeyValueLogIndex(self.kv),
            retired_names=KeyValueRetiredNames(self.kv),
            usage=self.usage,
            settings=settings or Settings(),
        )


__all__ = [
    "EPOCH",
    "Call",
    "FakeBlobStore",
    "FakeComment",
    "FakeDNS",
    "FakeFlyApp",
    "FakeFlyIO",
    "FakeGitHub",
    "FakeGitLab",
    "FakeKeyService",
    "FakeNote",
    "Fakes",
    "MemoryApps",
    "MemoryEnvironments",
    "MemoryFeed",
    "MemoryKeyValue",
    "MemorySecretStore",
    "MemoryUsage",
    "Recorder",
    "RuntimeScript",
    "SequentialIds",
    "VirtualClock",
    "script_reports",
]
