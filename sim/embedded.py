"""The embedded outside world of `wingcloud serve`: the simulator's fakes of GitHub, GitLab, fly.io and dnsimple,
made durable.

Every state-changing call on a fake is appended to a journal in its own SQLite file (the outside world's
state is not ours, so it never joins our transactions); at start the journal is replayed into fresh fakes.
A `kill -9` thus leaves the fakes as a real GitHub or fly.io would be: holding every call that completed.
Secret values and tokens are never journaled.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from ports import BranchHead, CloneAccess, CommentRef, DnsEntry, MachineSpec
from ports.codec import dumps
from sim.fakes._calls import Recorder
from sim.fakes.dns import FakeDNS
from sim.fakes.flyio import FakeFlyIO
from sim.fakes.github import FakeGitHub
from sim.fakes.gitlab import FakeGitLab

REDACTED = "<redacted>"
# The calls each fake remembers in memory (`Recorder.keep_last`): the journal and the call log hold all of them.
KEEP_CALLS = 1000
F = TypeVar("F", bound=Recorder)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (seq INTEGER PRIMARY KEY AUTOINCREMENT, port TEXT NOT NULL, method TEXT NOT NULL,
    key TEXT, args TEXT NOT NULL, at TEXT NOT NULL);
"""


class Journal:
    def __init__(self, path: Path) -> None:
        # One connection shared under a lock; WAL and synchronous=NORMAL like every local file (a process crash
        # loses no commit; FULL would add an fsync to every fake call). Autocommit: each call is its own commit,
        # unless the calling thread holds its records for a while (`held`).
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._held = threading.local()

    def record(self, port: str, method: str, args: list[Any], key: str | None = None) -> None:
        row = (port, method, key, dumps(args, lenient=False), datetime.now(UTC).isoformat())
        held: list[tuple[str, str, str | None, str, str]] | None = getattr(self._held, "rows", None)
        if held is not None:
            held.append(row)
            return
        with self._lock:
            self._conn.execute("INSERT INTO calls (port, method, key, args, at) VALUES (?, ?, ?, ?, ?)", row)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep this thread's records in memory and append them in one commit when the block ends, however
        it ends. The local server's worker holds them for a batch and ends the block before its own commit:
        a crash in between leaves the calls journaled and the batch to be done again (as a real outside world
        would keep them); a crash before leaves neither, and the batch, done again, calls again."""
        if getattr(self._held, "rows", None) is not None:  # already held further up: those rows take these
            yield
            return
        rows: list[tuple[str, str, str | None, str, str]] = []
        self._held.rows = rows
        try:
            yield
        finally:
            self._held.rows = None
            if rows:
                with self._lock:
                    self._conn.execute("BEGIN")
                    try:
                        self._conn.executemany(
                            "INSERT INTO calls (port, method, key, args, at) VALUES (?, ?, ?, ?, ?)", rows
                        )
                    except BaseException:
                        self._conn.execute("ROLLBACK")
                        raise
                    self._conn.execute("COMMIT")

    def entries(self) -> list[tuple[str, str, list[Any]]]:
        rows = self._conn.execute("SELECT port, method, args FROM calls ORDER BY seq").fetchall()
        return [(str(p), str(m), json.loads(a)) for p, m, a in rows]

    def clear(self) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM calls")

    def close(self) -> None:
        self._conn.close()


class JournaledGitHub:
    def __init__(self, fake: FakeGitHub, journal: Journal) -> None:
        self.fake, self._journal, self._lock = fake, journal, threading.Lock()

    def upsert_pull_request_comment(
        self, installation_id: int, repository: str, pr_number: int, marker: str, body: str
    ) -> CommentRef:
        with self._lock:
            ref = self.fake.upsert_pull_request_comment(installation_id, repository, pr_number, marker, body)
            args = [installation_id, repository, pr_number, marker, body]
            self._journal.record("github", "upsert_pull_request_comment", args, f"{repository}#{pr_number}{marker}")
            return ref

    def update_webhook_url(self, url: str) -> None:
        with self._lock:
            self.fake.update_webhook_url(url)
            self._journal.record("github", "update_webhook_url", [url])

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        """Every branch exists in the embedded GitHub: an unknown one gets a stable made-up head commit."""
        with self._lock:
            head = self.fake.get_branch_head(installation_id, repository, branch)
        if head is not None:
            return head
        sha = hashlib.sha1(f"{repository.lower()}:{branch}".encode()).hexdigest()
        return BranchHead(sha=sha, message="(embedded GitHub: every branch exists)")

    def installation_token(self, installation_id: int) -> str:
        """Not journaled: it changes nothing, and tokens never reach the journal."""
        with self._lock:
            return self.fake.installation_token(installation_id)

    def clone_access(self, installation_id: int, repository: str) -> CloneAccess:
        with self._lock:
            return self.fake.clone_access(installation_id, repository)


class JournaledGitLab:
    def __init__(self, fake: FakeGitLab, journal: Journal) -> None:
        self.fake, self._journal, self._lock = fake, journal, threading.Lock()

    def upsert_merge_request_note(
        self, project_id: int, repository: str, mr_iid: int, marker: str, body: str
    ) -> CommentRef:
        with self._lock:
            ref = self.fake.upsert_merge_request_note(project_id, repository, mr_iid, marker, body)
            args = [project_id, repository, mr_iid, marker, body]
            self._journal.record("gitlab", "upsert_merge_request_note", args, f"{repository}!{mr_iid}{marker}")
            return ref

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        """Every branch exists in the embedded GitLab: an unknown one gets a stable made-up head commit."""
        with self._lock:
            head = self.fake.get_branch_head(installation_id, repository, branch)
        if head is not None:
            return head
        sha = hashlib.sha1(f"gitlab:{repository.lower()}:{branch}".encode()).hexdigest()
        return BranchHead(sha=sha, message="(embedded GitLab: every branch exists)")

    def clone_access(self, installation_id: int, repository: str) -> CloneAccess:
        """Not journaled: it changes nothing, and tokens never reach the journal."""
        with self._lock:
            return self.fake.clone_access(installation_id, repository)


class JournaledFlyIO:
    def __init__(self, fake: FakeFlyIO, journal: Journal) -> None:
        self.fake, self._journal, self._lock = fake, journal, threading.Lock()

    def ensure_app(self, app_name: str) -> None:
        with self._lock:
            self.fake.ensure_app(app_name)
            self._journal.record("flyio", "ensure_app", [app_name], app_name)

    def set_secrets(self, app_name: str, secrets: dict[str, str]) -> None:
        with self._lock:
            self.fake.set_secrets(app_name, secrets)
            self._journal.record("flyio", "set_secrets", [app_name, dict.fromkeys(secrets, REDACTED)], app_name)

    def run_machine(self, spec: MachineSpec, idempotency_key: str) -> str:
        with self._lock:
            machine_id = self.fake.run_machine(spec, idempotency_key)
            shown = {k: (REDACTED if "TOKEN" in k else v) for k, v in spec.env.items()}
            args = [spec.to_json(env=shown), idempotency_key]
            self._journal.record("flyio", "run_machine", args, idempotency_key)
            return machine_id

    def destroy_machine(self, app_name: str, machine_id: str) -> None:
        with self._lock:
            self.fake.destroy_machine(app_name, machine_id)
            self._journal.record("flyio", "destroy_machine", [app_name, machine_id], machine_id)

    def destroy_app(self, app_name: str) -> None:
        with self._lock:
            self.fake.destroy_app(app_name)
            self._journal.record("flyio", "destroy_app", [app_name], app_name)


class JournaledDNS:
    def __init__(self, fake: FakeDNS, journal: Journal) -> None:
        self.fake, self._journal, self._lock = fake, journal, threading.Lock()

    def list_records(self, zone: str, name_like: str | None = None) -> list[DnsEntry]:
        with self._lock:
            return self.fake.list_records(zone, name_like)

    def upsert_record(self, entry: DnsEntry) -> None:
        with self._lock:
            self.fake.upsert_record(entry)
            self._journal.record("dns", "upsert_record", [dataclasses.asdict(entry)], f"{entry.zone}/{entry.name}")

    def delete_record(self, zone: str, name: str) -> None:
        with self._lock:
            self.fake.delete_record(zone, name)
            self._journal.record("dns", "delete_record", [zone, name], f"{zone}/{name}")


@dataclasses.dataclass
class EmbeddedOutside:
    github: JournaledGitHub
    gitlab: JournaledGitLab
    flyio: JournaledFlyIO
    dns: JournaledDNS
    journal: Journal

    def reset(self) -> None:
        """Forget every call: an empty journal and fakes as new (in place: the runtime player holds the fake
        fly.io). For the console's reset of a data dir."""
        for wrapper in (self.github, self.gitlab, self.flyio, self.dns):
            with wrapper._lock:
                wrapper.fake.__dict__.update(_fresh(type(wrapper.fake)).__dict__)
        self.journal.clear()


def _fresh(kind: type[F]) -> F:
    """A new fake for the embedded world: it lives as long as the server, so it keeps only its latest calls."""
    fake = kind()
    fake.keep_last(KEEP_CALLS)
    return fake


def open_outside(path: Path) -> EmbeddedOutside:
    """Fresh fakes with the journal at `path` replayed into them."""
    journal = Journal(path)
    github, gitlab, flyio, dns = _fresh(FakeGitHub), _fresh(FakeGitLab), _fresh(FakeFlyIO), _fresh(FakeDNS)
    for port, method, args in journal.entries():
        if port == "github":
            getattr(github, method)(*args)
        elif port == "gitlab":
            getattr(gitlab, method)(*args)
        elif port == "flyio" and method == "run_machine":
            flyio.run_machine(MachineSpec(**{**args[0], "secret_names": tuple(args[0]["secret_names"])}), args[1])
        elif port == "flyio":
            getattr(flyio, method)(*args)
        elif method == "upsert_record":
            dns.upsert_record(DnsEntry(**args[0]))
        else:
            getattr(dns, method)(*args)
    return EmbeddedOutside(
        JournaledGitHub(github, journal),
        JournaledGitLab(gitlab, journal),
        JournaledFlyIO(flyio, journal),
        JournaledDNS(dns, journal),
        journal,
    )
