"""The outside world's call log: every call the services make to GitHub, GitLab, fly.io and DNS, real or embedded,
with what it was asked, what it answered (or the error) and how long it took.

The recorders wrap the outside ports where the local process builds them (`build_system`), closest to the
outside: the report token `CredentialedFlyIO` adds to a machine is seen here, and redacted. Which service asked
is known from `calling()`, which the worker and the API commands enter around their work (a context variable:
the ports are shared by every service, and a call happens deep inside a handler).

The log is its own SQLite file, `outside-calls.sqlite3` in the data dir, written outside the handlers'
transactions: a call that failed, and the handler's writes that were rolled back with it, still leave their
record. The worker holds its calls' records for a batch (`held`) and writes them in one commit just before the
batch's own. It keeps the most recent `KEEP` calls; a reset of the console empties it.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from ports import DNS, BranchHead, CloneAccess, CommentRef, DnsEntry, FlyIO, GitHub, GitLab, MachineSpec
from ports.codec import dumps

T = TypeVar("T")
KEEP = 5000  # calls kept; older ones are deleted as new ones come in
_PRUNE_EVERY = 250
REDACTED = "<redacted>"
_SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "KEY")
_BODY_CHARS = 4000  # of a pull-request comment: enough to read it, bounded

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, port TEXT NOT NULL, method TEXT NOT NULL,
    args TEXT NOT NULL, result TEXT, error TEXT, duration_ms REAL NOT NULL, service TEXT, target TEXT,
    correlation_id TEXT, backend TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS calls_by_service ON calls (service);
"""


@dataclass(frozen=True)
class Caller:
    """Who is calling out: a service, the target (rule or door) it is handling, the correlation id."""

    service: str
    target: str | None
    correlation_id: str | None


_CALLER: ContextVar[Caller | None] = ContextVar("wingcloud_outside_caller", default=None)


@contextlib.contextmanager
def calling(service: str, target: str | None, correlation_id: str | None) -> Iterator[None]:
    """Attribute the outside calls made inside to `service` (handling `target`, under `correlation_id`)."""
    token = _CALLER.set(Caller(service, target, correlation_id))
    try:
        yield
    finally:
        _CALLER.reset(token)


class CallLog:
    """The calls, newest last, in their own SQLite file (one connection under a lock: calls are few)."""

    def __init__(self, path: Path, backends: dict[str, str]) -> None:
        """`backends`: per port (github, flyio, dns) what answers it, e.g. "embedded" or the API's URL."""
        self.path, self.backends = path, backends
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._written = 0
        self._held = threading.local()

    def call(self, port: str, method: str, args: dict[str, Any], run: Callable[[], T], shown: Callable[[T], Any]) -> T:
        """Run one call of `port.method`, record it (`shown(result)` is what the log keeps of the answer),
        and return its result or raise its error."""
        caller = _CALLER.get()
        started = time.perf_counter()
        try:
            result = run()
        except Exception as error:
            self._add(port, method, args, None, f"{type(error).__name__}: {error}", started, caller)
            raise
        self._add(port, method, args, shown(result), None, started, caller)
        return result

    def _add(
        self,
        port: str,
        method: str,
        args: dict[str, Any],
        result: Any,
        error: str | None,
        started: float,
        caller: Caller | None,
    ) -> None:
        duration = round((time.perf_counter() - started) * 1000, 3)
        row = (
            datetime.now(UTC).isoformat(),
            port,
            method,
            dumps(args),
            None if result is None else dumps(result),
            error,
            duration,
            caller.service if caller else None,
            caller.target if caller else None,
            caller.correlation_id if caller else None,
            self.backends.get(port, "?"),
        )
        held: list[tuple[Any, ...]] | None = getattr(self._held, "rows", None)
        if held is not None:
            held.append(row)
        else:
            self._append([row])

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Keep this thread's records in memory and write them in one commit when the block ends, however it
        ends (the worker ends it just before its batch commits: a crash in between keeps the calls' records,
        and the batch is done again; a crash before loses both, and the batch, done again, calls again)."""
        if getattr(self._held, "rows", None) is not None:  # already held further up: those rows take these
            yield
            return
        rows: list[tuple[Any, ...]] = []
        self._held.rows = rows
        try:
            yield
        finally:
            self._held.rows = None
            if rows:
                self._append(rows)

    def _append(self, rows: list[tuple[Any, ...]]) -> None:
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(
                    "INSERT INTO calls (at, port, method, args, result, error, duration_ms, service, target,"
                    " correlation_id, backend) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                before, self._written = self._written, self._written + len(rows)
                if before // _PRUNE_EVERY != self._written // _PRUNE_EVERY:
                    self._conn.execute("DELETE FROM calls WHERE seq <= (SELECT MAX(seq) FROM calls) - ?", (KEEP,))
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def recent(
        self,
        *,
        limit: int = 200,
        port: str | None = None,
        service: str | None = None,
        correlation_id: str | None = None,
        failed: bool | None = None,
    ) -> list[dict[str, Any]]:
        """The newest calls first, filtered."""
        where, params = ["1 = 1"], []
        for column, value in (("port", port), ("service", service), ("correlation_id", correlation_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if failed is not None:
            where.append("error IS NOT NULL" if failed else "error IS NULL")
        with self._lock:
            rows = self._conn.execute(
                f"SELECT * FROM calls WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?", (*params, limit)
            ).fetchall()
        return [
            {
                **dict(row),
                "args": json.loads(row["args"]),
                "result": None if row["result"] is None else json.loads(row["result"]),
            }
            for row in rows
        ]

    def counts(self) -> dict[str, dict[str, int]]:
        """Per service: how many calls, how many failed."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT COALESCE(service, ''), COUNT(*), SUM(error IS NOT NULL) FROM calls GROUP BY service"
            ).fetchall()
        return {str(r[0]): {"calls": int(r[1]), "failed": int(r[2] or 0)} for r in rows}

    def clear(self) -> int:
        with self._lock:
            return int(self._conn.execute("DELETE FROM calls").rowcount)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _ok(_: object) -> str:
    return "ok"


def _redacted(env: dict[str, str]) -> dict[str, str]:
    return {k: (REDACTED if any(word in k.upper() for word in _SECRET_WORDS) else v) for k, v in env.items()}


class RecordedGitHub:
    """`ports.GitHub`, every call recorded; tokens never are."""

    def __init__(self, inner: GitHub, log: CallLog) -> None:
        self.inner, self._log = inner, log

    def upsert_pull_request_comment(
        self, installation_id: int, repository: str, pr_number: int, marker: str, body: str
    ) -> CommentRef:
        args = {
            "installation_id": installation_id,
            "repository": repository,
            "pr_number": pr_number,
            "marker": marker,
            "body": body[:_BODY_CHARS],
        }
        return self._log.call(
            "github",
            "upsert_pull_request_comment",
            args,
            lambda: self.inner.upsert_pull_request_comment(installation_id, repository, pr_number, marker, body),
            asdict,
        )

    def update_webhook_url(self, url: str) -> None:
        self._log.call("github", "update_webhook_url", {"url": url}, lambda: self.inner.update_webhook_url(url), _ok)

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        args = {"installation_id": installation_id, "repository": repository, "branch": branch}
        return self._log.call(
            "github",
            "get_branch_head",
            args,
            lambda: self.inner.get_branch_head(installation_id, repository, branch),
            lambda head: asdict(head) if head is not None else "no such branch",
        )

    def installation_token(self, installation_id: int) -> str:
        return self._log.call(
            "github",
            "installation_token",
            {"installation_id": installation_id},
            lambda: self.inner.installation_token(installation_id),
            lambda _: REDACTED,
        )

    def clone_access(self, installation_id: int, repository: str) -> CloneAccess:
        return self._log.call(
            "github",
            "clone_access",
            {"installation_id": installation_id, "repository": repository},
            lambda: self.inner.clone_access(installation_id, repository),
            lambda access: {"url": access.url, "username": access.username, "token": REDACTED},
        )


class RecordedGitLab:
    """`ports.GitLab`, every call recorded; its access token never is."""

    def __init__(self, inner: GitLab, log: CallLog) -> None:
        self.inner, self._log = inner, log

    def upsert_merge_request_note(
        self, project_id: int, repository: str, mr_iid: int, marker: str, body: str
    ) -> CommentRef:
        args = {"project_id": project_id, "repository": repository, "mr_iid": mr_iid, "body": body[:_BODY_CHARS]}
        return self._log.call(
            "gitlab",
            "upsert_merge_request_note",
            {**args, "marker": marker},
            lambda: self.inner.upsert_merge_request_note(project_id, repository, mr_iid, marker, body),
            asdict,
        )

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        args = {"installation_id": installation_id, "repository": repository, "branch": branch}
        return self._log.call(
            "gitlab",
            "get_branch_head",
            args,
            lambda: self.inner.get_branch_head(installation_id, repository, branch),
            lambda head: asdict(head) if head is not None else "no such branch",
        )

    def clone_access(self, installation_id: int, repository: str) -> CloneAccess:
        return self._log.call(
            "gitlab",
            "clone_access",
            {"installation_id": installation_id, "repository": repository},
            lambda: self.inner.clone_access(installation_id, repository),
            lambda access: {"url": access.url, "username": access.username, "token": REDACTED},
        )


class RecordedFlyIO:
    """`ports.FlyIO`, every call recorded; secret values and tokens in a machine's environment are not."""

    def __init__(self, inner: FlyIO, log: CallLog) -> None:
        self.inner, self._log = inner, log

    def ensure_app(self, app_name: str) -> None:
        self._log.call("flyio", "ensure_app", {"app_name": app_name}, lambda: self.inner.ensure_app(app_name), _ok)

    def set_secrets(self, app_name: str, secrets: dict[str, str]) -> None:
        args = {"app_name": app_name, "secrets": dict.fromkeys(sorted(secrets), REDACTED)}
        self._log.call("flyio", "set_secrets", args, lambda: self.inner.set_secrets(app_name, secrets), _ok)

    def run_machine(self, spec: MachineSpec, idempotency_key: str) -> str:
        args = {**spec.to_json(env=_redacted(spec.env)), "idempotency_key": idempotency_key}
        return self._log.call(
            "flyio", "run_machine", args, lambda: self.inner.run_machine(spec, idempotency_key), lambda m: {"id": m}
        )

    def destroy_machine(self, app_name: str, machine_id: str) -> None:
        args = {"app_name": app_name, "machine_id": machine_id}
        self._log.call("flyio", "destroy_machine", args, lambda: self.inner.destroy_machine(app_name, machine_id), _ok)

    def destroy_app(self, app_name: str) -> None:
        self._log.call("flyio", "destroy_app", {"app_name": app_name}, lambda: self.inner.destroy_app(app_name), _ok)


class RecordedDNS:
    """`ports.DNS`, every call recorded."""

    def __init__(self, inner: DNS, log: CallLog) -> None:
        self.inner, self._log = inner, log

    def list_records(self, zone: str, name_like: str | None = None) -> list[DnsEntry]:
        args = {"zone": zone} if name_like is None else {"zone": zone, "name_like": name_like}
        return self._log.call(
            "dns",
            "list_records",
            args,
            lambda: self.inner.list_records(zone, name_like),
            lambda entries: [asdict(e) for e in entries],
        )

    def upsert_record(self, entry: DnsEntry) -> None:
        self._log.call("dns", "upsert_record", asdict(entry), lambda: self.inner.upsert_record(entry), _ok)

    def delete_record(self, zone: str, name: str) -> None:
        args = {"zone": zone, "name": name}
        self._log.call("dns", "delete_record", args, lambda: self.inner.delete_record(zone, name), _ok)


__all__ = ["KEEP", "CallLog", "Caller", "RecordedDNS", "RecordedFlyIO", "RecordedGitHub", "calling"]
