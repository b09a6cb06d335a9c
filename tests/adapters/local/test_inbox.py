"""The inbox: group commit on the event loop, duplicates within and across batches, checkpoints off the
request path, and bodies read back by the worker from the inbox file."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.local.db import Database
from adapters.local.inbox import SCHEMA, Inbox, InboxClosedError
from bus.delivery import Target
from ports import Arrival

DOORS = {"webhook": Target("github--webhook", "github", lambda arrival, ports: [])}


def arrival(delivery: str, body: bytes = b"{}") -> Arrival:
    return Arrival("webhook", delivery, "pull_request", body, delivery, datetime.now(UTC))


def key(delivery: str) -> str:
    return f"webhook:{delivery}"


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    commits: list[int] = []
    box = Inbox(Database(tmp_path / "inbox.sqlite3", schema=SCHEMA, autocheckpoint=False), lambda: commits.append(1))
    box.start()
    return box


def count(path: Path) -> int:
    with sqlite3.connect(path) as other:
        return int(other.execute("SELECT COUNT(*) FROM arrivals").fetchone()[0])


def test_requests_ready_together_share_one_commit_and_duplicates_are_told_apart(
    inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[list[str]] = []
    store = inbox._store

    def recording(arrivals: list[Arrival]) -> list[bool]:
        batches.append([a.id for a in arrivals])
        return store(arrivals)

    monkeypatch.setattr(inbox, "_store", recording)
    assert inbox.put(arrival("d-0")) is True

    async def burst() -> list[bool]:
        ids = ["d-1", "d-2", "d-1", "d-0", "d-3"]  # d-1 twice in the batch, d-0 stored before
        return list(await asyncio.gather(*(inbox.accept(arrival(i)) for i in ids)))

    assert asyncio.run(burst()) == [True, True, False, False, True]
    assert batches == [["d-0"], ["d-1", "d-2", "d-1", "d-0", "d-3"]]
    assert count(tmp_path / "inbox.sqlite3") == 4
    inbox.stop()


def test_a_failed_commit_fails_every_request_of_its_batch_and_stores_none(
    inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(arrivals: list[Arrival]) -> list[bool]:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(inbox, "_store", disk_full)

    async def burst() -> list[object]:
        return list(await asyncio.gather(*(inbox.accept(arrival(f"d-{n}")) for n in range(3)), return_exceptions=True))

    results = asyncio.run(burst())
    assert [type(r) for r in results] == [sqlite3.OperationalError] * 3
    assert count(tmp_path / "inbox.sqlite3") == 0
    inbox.stop()


def test_the_worker_reads_the_body_back_from_the_inbox_file(inbox: Inbox) -> None:
    body = b'{"action": "opened"}'
    assert inbox.put(arrival("d-7", body))
    stored = inbox.arrival(key("d-7"))
    assert (stored.name, stored.body, stored.door, stored.id) == ("pull_request", body, "webhook", "d-7")
    with pytest.raises(LookupError, match=r"'webhook:d-8' is not in .*inbox\.sqlite3"):
        inbox.arrival(key("d-8"))
    inbox.stop()


def rows_in_the_file_alone(path: Path, scratch: Path) -> int:
    """Rows a reader sees in the database file without its WAL: only what a checkpoint copied there."""
    scratch.write_bytes(path.read_bytes())
    return count(scratch)


def test_commits_never_checkpoint_and_the_housekeeper_does(tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite3"
    inbox = Inbox(Database(path, schema=SCHEMA, autocheckpoint=False), lambda: None)  # not started: no housekeeper
    assert inbox._db.connection().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    for n in range(300):  # ~1,200 pages: past SQLite's default automatic checkpoint at 1,000
        assert inbox.put(arrival(f"d-{n}", b"x" * 16_000))
    assert count(path) == 300
    assert rows_in_the_file_alone(path, tmp_path / "copy-1.sqlite3") == 0
    inbox.start()
    inbox.stop()
    assert rows_in_the_file_alone(path, tmp_path / "copy-2.sqlite3") == 300


def test_other_threads_store_directly_and_a_closed_inbox_refuses(inbox: Inbox) -> None:
    results: list[bool] = []
    threads = [threading.Thread(target=lambda n=n: results.append(inbox.put(arrival(f"r-{n % 3}")))) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 3 + [True] * 3
    inbox.stop()
    with pytest.raises(InboxClosedError):
        inbox.put(arrival("late"))
    with pytest.raises(InboxClosedError):
        asyncio.run(inbox.accept(arrival("late")))


def test_pruning_empties_only_bodies_whose_deliveries_are_done_and_keeps_ids(tmp_path: Path) -> None:
    from adapters.local.db import SCHEMA as MAIN_SCHEMA

    inbox = Inbox(Database(tmp_path / "inbox.sqlite3", schema=SCHEMA, autocheckpoint=False), lambda: None)
    main = Database(tmp_path / "wingcloud.sqlite3", schema=MAIN_SCHEMA).connection()
    states = {"done-1": "done", "pending": "pending", "dead": "dead", "done-2": "done", "done-3": "done"}
    for delivery in states:
        assert inbox.put(arrival(delivery, b'{"n": 1}'))
    with main:
        assert inbox.move_arrivals(main, DOORS, datetime.now(UTC)) == 5
        for delivery, status in states.items():
            main.execute("UPDATE deliveries SET status = ? WHERE ref = ?", (status, key(delivery)))
    assert inbox.put(arrival("not-taken-in", b'{"n": 2}'))  # past the cursor: the worker has not seen it

    assert inbox.prune_bodies(main, "2000-01-01T00:00:00+00:00") == 0  # nothing that old
    assert inbox.prune_bodies(main, "9999-01-01T00:00:00+00:00", page=2) == 3  # pages of two, unfinished skipped
    for delivery in ("done-1", "done-2", "done-3"):
        with pytest.raises(LookupError, match="was pruned"):
            inbox.arrival(key(delivery))
    for delivery in ("pending", "dead", "not-taken-in"):
        assert inbox.arrival(key(delivery)).body.startswith(b'{"n"')
    assert inbox.put(arrival("done-1")) is False  # still a duplicate
    assert inbox.prune_bodies(main, "9999-01-01T00:00:00+00:00") == 0  # nothing left to do


def test_a_burst_of_webhooks_is_busy_and_one_webhook_alone_is_not(
    inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker gives way to the door while webhooks pour in; a single webhook's workflow starts at once."""
    clock = [1000.0]
    monkeypatch.setattr("adapters.local.inbox.time.monotonic", lambda: clock[0])
    assert not inbox.busy()
    inbox.put(arrival("d-1"))
    assert not inbox.busy()  # one webhook, however recent
    clock[0] += 0.004
    inbox.put(arrival("d-2"))
    assert inbox.busy()  # two within 10 ms: a burst
    clock[0] += 0.011
    assert not inbox.busy()  # it is over
    clock[0] += 5.0
    inbox.put(arrival("d-3"))
    assert not inbox.busy()
    report = Arrival("report", "r-1", "status", b"{}", "r-1", datetime.now(UTC))
    clock[0] += 0.001
    inbox.put(report)
    assert not inbox.busy()  # reports are not webhooks pouring in
