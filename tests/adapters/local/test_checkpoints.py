"""The main database's commits never checkpoint (a commit past 1,000 WAL pages used to copy them into the file,
fsync included, on the worker's time); a thread of its own does, without blocking anyone."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from adapters.local.db import Checkpointer, Database
from adapters.local.system import System


def _rows_in_the_file_alone(path: Path, scratch: Path) -> int:
    """Rows a reader sees in the database file without its WAL: only what a checkpoint copied there. A copy
    taken while a checkpoint is writing the file can be torn (SQLite calls it malformed): that reads as -1,
    not yet."""
    scratch.write_bytes(path.read_bytes())
    conn = sqlite3.connect(scratch)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM feed").fetchone()[0])
    except sqlite3.DatabaseError:
        return -1
    finally:
        conn.close()


def test_commits_leave_the_wal_to_the_checkpointer(tmp_path: Path) -> None:
    path = tmp_path / "wingcloud.sqlite3"
    db = Database(path, autocheckpoint=False)
    for _ in range(300):  # ~1,200 pages: past SQLite's default automatic checkpoint at 1,000
        with db.writing() as conn:
            conn.execute("INSERT INTO feed (kind, summary) VALUES (?, ?)", ("k", "x" * 16_000))
    assert _rows_in_the_file_alone(path, tmp_path / "copy-1.sqlite3") == 0
    checkpointer = Checkpointer(db, every=0.05)
    checkpointer.start()
    deadline = time.monotonic() + 20
    while (copied := _rows_in_the_file_alone(path, tmp_path / "copy-2.sqlite3")) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert copied == 300  # copied while running, not at stop
    checkpointer.stop()


def test_the_local_server_checkpoints_its_database_on_its_own_thread(system: System, tmp_path: Path) -> None:
    assert system.db.connection().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    system.start(background=False)
    try:
        for _ in range(300):
            with system.db.writing() as conn:
                conn.execute("INSERT INTO feed (kind, summary) VALUES (?, ?)", ("k", "x" * 16_000))
        deadline = time.monotonic() + 20
        while (copied := _rows_in_the_file_alone(system.db.path, tmp_path / "c.sqlite3")) < 300:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert copied == 300
    finally:
        system.stop()
