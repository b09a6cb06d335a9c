"""SqliteBlobs.delete_prefix: exactly the keys that start with the prefix, found through the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.local.db import Database
from adapters.local.store import SqliteBlobs, _starts_with

KEYS = ["logs/env1/a", "logs/env1/b", "logs/env1", "logs/env10/a", "logs/env2/x", "logs/é/1", "logs/\U0010ffff/1"]


@pytest.fixture
def blobs(tmp_path: Path) -> SqliteBlobs:
    db = Database(tmp_path / "wingcloud.sqlite3")
    store = SqliteBlobs(db.connection)
    for key in KEYS:
        store.append(key, key.encode())
        store.append(key, b"!")
    return store


@pytest.mark.parametrize(
    ("prefix", "deleted"),
    [
        ("logs/env1/", ["logs/env1/a", "logs/env1/b"]),
        ("logs/env1", ["logs/env1/a", "logs/env1/b", "logs/env1", "logs/env10/a"]),
        ("logs/é", ["logs/é/1"]),
        ("logs/\U0010ffff", ["logs/\U0010ffff/1"]),  # no next code point: the slow comparison, same answer
        ("", KEYS),
        ("nothing/", []),
    ],
)
def test_exactly_the_keys_under_the_prefix_go(blobs: SqliteBlobs, prefix: str, deleted: list[str]) -> None:
    assert blobs.delete_prefix(prefix) == len(deleted)
    assert [k for k in KEYS if blobs.get(k) is None] == deleted
    assert all(blobs.get(k) == k.encode() + b"!" for k in KEYS if k not in deleted)


def test_the_prefix_is_an_index_range(tmp_path: Path) -> None:
    conn = Database(tmp_path / "wingcloud.sqlite3").connection()
    where, params = _starts_with("logs/env1/")
    plan = " ".join(
        str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN DELETE FROM blob_chunks WHERE {where}", params)
    )
    assert "USING INDEX blob_chunks_by_key" in plan
