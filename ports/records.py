"""The small typed ports (`Comments`, `Machines`, `LogIndex`, `RetiredNames`) over one key-value store.

Each backend offers a `KeyValue`; each typed port keeps its own records in it under its own prefix, with its
own value type, so a service declares what it keeps (the Protocol) and no handler spells a key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ports.codec import from_data, to_data
from ports.state import KeyValue
from ports.values import DnsHost, Poster

_REFUSED = ""  # a deployment fly.io refused: recorded, with no machine


class KeyValueComments:
    """Implements `ports.Comments`."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    def last_digest(self, thread: str) -> str | None:
        return self._kv.get(f"comments:digest:{thread}")

    def record_digest(self, thread: str, digest: str) -> None:
        self._kv.put(f"comments:digest:{thread}", digest)

    def poster(self, app_id: str) -> Poster | None:
        stored = self._kv.get(f"comments:poster:{app_id}")
        return None if stored is None else from_data(Poster, json.loads(stored))

    def remember_poster(self, app_id: str, poster: Poster) -> None:
        self._kv.put(f"comments:poster:{app_id}", json.dumps(to_data(poster)))

    def hosts(self, environment_id: str) -> list[DnsHost]:
        stored = self._kv.get(f"comments:hosts:{environment_id}")
        return [from_data(DnsHost, host) for host in json.loads(stored or "[]")]

    def remember_hosts(self, environment_id: str, hosts: Sequence[DnsHost]) -> None:
        self._kv.put(f"comments:hosts:{environment_id}", json.dumps([to_data(host) for host in hosts]))


class KeyValueMachines:
    """Implements `ports.Machines`."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    def provisioned(self, deployment_id: str) -> bool:
        return self._kv.get(f"machines:deployment:{deployment_id}") is not None

    def record_machine(self, deployment_id: str, machine_id: str | None, *, environment_id: str) -> None:
        self._kv.put(f"machines:deployment:{deployment_id}", machine_id or _REFUSED)
        if machine_id is not None:
            started = self._started(environment_id)
            if [deployment_id, machine_id] not in started:
                started.append([deployment_id, machine_id])
                self._kv.put(f"machines:environment:{environment_id}", json.dumps(started))

    def replaced_by(self, environment_id: str, deployment_id: str) -> list[str]:
        started = self._started(environment_id)
        deployments = [deployment for deployment, _ in started]
        if deployment_id not in deployments:
            return []
        return [machine for _, machine in started[: deployments.index(deployment_id)]]

    def record_retired(self, environment_id: str, machine_id: str) -> None:
        started = [entry for entry in self._started(environment_id) if entry[1] != machine_id]
        self._kv.put(f"machines:environment:{environment_id}", json.dumps(started))

    def _started(self, environment_id: str) -> list[list[str]]:
        """[deployment, machine] of the environment's live machines, in the order they were started."""
        raw = self._kv.get(f"machines:environment:{environment_id}")
        return list(json.loads(raw)) if raw else []

    def destroyed(self, environment_id: str) -> bool:
        return self._kv.get(f"machines:destroyed:{environment_id}") is not None

    def record_destroyed(self, environment_id: str) -> None:
        self._kv.put(f"machines:destroyed:{environment_id}", "1")


class KeyValueLogIndex:
    """Implements `ports.LogIndex`."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    def current(self, environment_id: str) -> str | None:
        if self.purged(environment_id):
            return None
        return self._kv.get(f"logs:current:{environment_id}")

    def start(self, environment_id: str, deployment_id: str) -> bool:
        # Per deployment, not "is it the current one": a duplicate of an older request delivered after a newer
        # deployment started must neither wipe the current log nor make the old deployment current again.
        if self._kv.get(f"logs:started:{deployment_id}") is not None:
            return False
        self._kv.put(f"logs:started:{deployment_id}", environment_id)
        self._kv.put(f"logs:current:{environment_id}", deployment_id)
        return True

    def purged(self, environment_id: str) -> bool:
        return self._kv.get(f"logs:purged:{environment_id}") is not None

    def purge(self, environment_id: str) -> None:
        self._kv.put(f"logs:purged:{environment_id}", "1")


class KeyValueRetiredNames:
    """Implements `ports.RetiredNames`."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    def retired(self, environment_id: str) -> bool:
        return self._kv.get(f"names:retired:{environment_id}") is not None

    def retire(self, environment_id: str) -> None:
        self._kv.put(f"names:retired:{environment_id}", "1")
