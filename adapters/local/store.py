"""The state ports on SQLite. Each method uses the calling thread's connection, so a handler's writes join
whatever transaction the bus opened on that thread and commit (or roll back) with its events."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable
from datetime import datetime

from events.models import EnvironmentType
from ports.codec import dumps, from_data, from_json, to_json
from ports.previews import previews_of
from ports.values import App, Environment, FeedItem, StoredSecret, UsageMark

Conn = Callable[[], sqlite3.Connection]


class SqliteApps:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    def get(self, app_id: str) -> App | None:
        row = self._conn().execute("SELECT data FROM apps WHERE id = ?", (app_id,)).fetchone()
        return None if row is None else from_json(App, row[0])

    def put(self, app: App) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO apps (id, repository_lc, data) VALUES (?, ?, ?)",
            (app.id, app.repository.lower(), to_json(app).decode()),
        )

    def delete(self, app_id: str) -> None:
        self._conn().execute("DELETE FROM apps WHERE id = ?", (app_id,))

    def list_all(self) -> list[App]:
        return [from_json(App, r[0]) for r in self._conn().execute("SELECT data FROM apps ORDER BY rowid")]

    def list_by_repository(self, repository: str) -> list[App]:
        rows = self._conn().execute(
            "SELECT data FROM apps WHERE repository_lc = ? ORDER BY rowid", (repository.lower(),)
        )
        return [from_json(App, r[0]) for r in rows]


@functools.lru_cache(maxsize=1024)
def _environment(text: str | bytes) -> Environment:
    """Cached on the row's text: environments are frozen, and handlers read the same rows over and over. Each is
    about 5 objects the garbage collector tracks: 8,192 of them were half of what a full collection walked."""
    return from_json(Environment, text)


class SqliteEnvironments:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    def get(self, environment_id: str) -> Environment | None:
        row = self._conn().execute("SELECT data FROM environments WHERE id = ?", (environment_id,)).fetchone()
        return None if row is None else _environment(row[0])

    def put(self, environment: Environment) -> None:
        e = environment
        self._conn().execute(
            "INSERT OR REPLACE INTO environments (id, app_id, type, branch, pr_number, status, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (e.id, e.app_id, e.type.value, e.branch, e.pr_number, e.status.value, to_json(e).decode()),
        )

    def create(self, environment: Environment) -> bool:
        """Conditional insert; callers hold the write lock (BEGIN IMMEDIATE), so check-then-insert is atomic."""
        e = environment
        live = (
            self._conn()
            .execute(
                "SELECT 1 FROM environments WHERE app_id = ? AND type = ? AND branch = ? AND pr_number IS ?"
                " AND status != 'stopped' LIMIT 1",
                (e.app_id, e.type.value, e.branch, e.pr_number),
            )
            .fetchone()
        )
        if live is not None:
            return False
        self.put(environment)
        return True

    def delete(self, environment_id: str) -> None:
        self._conn().execute("DELETE FROM environments WHERE id = ?", (environment_id,))

    def list_by_app(self, app_id: str) -> list[Environment]:
        rows = self._conn().execute("SELECT data FROM environments WHERE app_id = ? ORDER BY rowid", (app_id,))
        return [_environment(r[0]) for r in rows]

    def list_previews(self, app_id: str, pr_number: int) -> list[Environment]:
        rows = self._conn().execute(
            "SELECT data FROM environments WHERE app_id = ? AND pr_number = ? AND type = 'preview'", (app_id, pr_number)
        )
        return previews_of([_environment(r[0]) for r in rows], pr_number)  # its order: oldest first

    def list_all(self) -> list[Environment]:
        rows = self._conn().execute("SELECT data FROM environments ORDER BY rowid")
        return [_environment(r[0]) for r in rows]


class SqliteSecrets:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    def put(self, secret: StoredSecret) -> None:
        s = secret
        self._conn().execute(
            "INSERT OR REPLACE INTO secrets VALUES (?, ?, ?, ?, ?, ?)",
            (s.app_id, s.environment_type.value, s.name, s.ciphertext, s.wrapped_key, s.updated_at.isoformat()),
        )

    def get(self, app_id: str, environment_type: str, name: str) -> StoredSecret | None:
        row = (
            self._conn()
            .execute(
                "SELECT * FROM secrets WHERE app_id = ? AND environment_type = ? AND name = ?",
                (app_id, str(environment_type), name),
            )
            .fetchone()
        )
        return None if row is None else _secret(row)

    def list(self, app_id: str) -> list[StoredSecret]:
        rows = self._conn().execute("SELECT * FROM secrets WHERE app_id = ? ORDER BY environment_type, name", (app_id,))
        return [_secret(r) for r in rows]

    def delete(self, app_id: str, environment_type: str, name: str) -> bool:
        cursor = self._conn().execute(
            "DELETE FROM secrets WHERE app_id = ? AND environment_type = ? AND name = ?",
            (app_id, str(environment_type), name),
        )
        return cursor.rowcount > 0


def _secret(row: sqlite3.Row) -> StoredSecret:
    return StoredSecret(
        app_id=row["app_id"],
        environment_type=EnvironmentType(row["environment_type"]),
        name=row["name"],
        ciphertext=bytes(row["ciphertext"]),
        wrapped_key=bytes(row["wrapped_key"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


class SqliteKeyValue:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    def get(self, key: str) -> str | None:
        row = self._conn().execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, value: str) -> None:
        self._conn().execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))


class SqliteUsage:
    """Implements `ports.Usage`: one row per (environment, event id); a repeated mark replaces itself."""

    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    def record(self, mark: UsageMark) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO usage_marks (environment_id, event_id, app_id, data) VALUES (?, ?, ?, ?)",
            (mark.environment_id, mark.event_id, mark.app_id, to_json(mark).decode()),
        )

    def marks_of_app(self, app_id: str) -> list[UsageMark]:
        rows = self._conn().execute("SELECT data FROM usage_marks WHERE app_id = ?", (app_id,))
        return [from_json(UsageMark, r[0]) for r in rows]


class SqliteFeed:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    def push(self, item: FeedItem) -> None:
        self._conn().execute(
            "INSERT INTO feed (kind, subject, summary, at, data) VALUES (?, ?, ?, ?, ?)",
            (item.kind, item.subject, item.summary, item.at.isoformat(), dumps(item.data)),
        )

    def recent(self, limit: int = 100) -> list[FeedItem]:
        rows = (
            self._conn()
            .execute("SELECT kind, subject, summary, at, data FROM feed ORDER BY seq DESC LIMIT ?", (limit,))
            .fetchall()
        )
        return [
            from_data(FeedItem, {"kind": k, "subject": s, "summary": m, "at": a, "data": json.loads(d)})
            for k, s, m, a, d in reversed(rows)
        ]


class SqliteBlobs:
    """Blobs as appended chunks, so `append` never rewrites what is there."""

    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    def append(self, key: str, data: bytes) -> None:
        self._conn().execute("INSERT INTO blob_chunks (key, data) VALUES (?, ?)", (key, data))

    def get(self, key: str) -> bytes | None:
        rows = self._conn().execute("SELECT data FROM blob_chunks WHERE key = ? ORDER BY seq", (key,)).fetchall()
        return None if not rows else b"".join(bytes(r[0]) for r in rows)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key starting with `prefix`; returns how many keys. A key range, so the index is used
        (a `substr` test scanned the whole table on every deployment's log reset)."""
        where, params = _starts_with(prefix)
        conn = self._conn()
        keys = conn.execute(f"SELECT COUNT(DISTINCT key) FROM blob_chunks WHERE {where}", params).fetchone()[0]
        conn.execute(f"DELETE FROM blob_chunks WHERE {where}", params)
        return int(keys)


def _starts_with(prefix: str) -> tuple[str, tuple[object, ...]]:
    """`key` starts with `prefix`, as an index range [prefix, prefix with its last character + 1)."""
    if prefix and ord(prefix[-1]) < 0xD7FF:  # the next code point is a plain character
        return "key >= ? AND key < ?", (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1))
    return "substr(key, 1, ?) = ?", (len(prefix), prefix)
