"""The delivery worker's own work: what it keeps in memory between batches, and the ledger mark it writes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from starlette.testclient import TestClient

from adapters.local import worker
from adapters.local.system import System
from adapters.local.unit import savepoint
from tests.adapters.local.conftest import AUTH, drain, fixture_body, signed


@contextmanager
def envelope_reads(system: System) -> Iterator[list[str]]:
    """The statements that read an archived envelope back, on the connection `run_once` uses in this thread."""
    reads: list[str] = []
    conn = system.db.connection()
    conn.set_trace_callback(lambda sql: reads.append(sql) if sql.startswith("SELECT envelope FROM events") else None)
    try:
        yield reads
    finally:
        conn.set_trace_callback(None)


def one_preview(client: TestClient, system: System, app_id: str) -> list[tuple[int, str]]:
    body = fixture_body("pull_request.opened.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1")).status_code == 202
    drain(system)
    environments = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    return [(e["pr_number"], e["status"]) for e in environments if e["type"] == "preview"]


def test_an_event_this_worker_sealed_is_delivered_without_reading_it_back(
    client: TestClient, system: System, app_id: str
) -> None:
    with envelope_reads(system) as reads:
        assert one_preview(client, system, app_id) == [(2, "running")]
    assert reads == []


def test_an_event_no_longer_in_memory_is_read_back_and_delivered_the_same(
    client: TestClient, system: System, app_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "_RECENT_ENVELOPES", 1)
    with envelope_reads(system) as reads:
        assert one_preview(client, system, app_id) == [(2, "running")]
    assert len(reads) > 1


def test_an_event_published_before_a_restart_is_read_back(client: TestClient, system: System, app_id: str) -> None:
    """A new worker (a restarted process) remembers nothing: what is due is read from SQLite."""
    body = fixture_body("pull_request.opened.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1")).status_code == 202
    system.worker.run_once()  # the webhook's edge publishes PullRequestOpened; its deliveries wait
    system.worker._envelopes.clear()
    with envelope_reads(system) as reads:
        drain(system)
    assert reads
    environments = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    assert [(e["pr_number"], e["status"]) for e in environments if e["type"] == "preview"] == [(2, "running")]


def test_the_ledger_mark_is_taken_back_with_a_failed_unit(system: System) -> None:
    conn, router = system.db.connection(), system.router
    with system.db.writing():
        with pytest.raises(TimeoutError), savepoint(conn, system.ports, router) as unit:
            assert not unit.handled("apps--AppCreated", "evt-1")  # marks it
            raise TimeoutError("fly.io timed out")
        with savepoint(conn, system.ports, router) as unit:
            assert not unit.handled("apps--AppCreated", "evt-1")  # the mark went with the failure
            unit.complete([], target="apps--AppCreated", key="evt-1")
        with savepoint(conn, system.ports, router) as unit:
            assert unit.handled("apps--AppCreated", "evt-1")
            assert not unit.handled("environments--AppCreated", "evt-1")
    rows = conn.execute("SELECT target, key FROM handled WHERE key = 'evt-1' ORDER BY target").fetchall()
    assert [tuple(row) for row in rows] == [("apps--AppCreated", "evt-1"), ("environments--AppCreated", "evt-1")]


def test_the_archive_holds_version_7_event_ids_in_the_order_they_were_published(
    client: TestClient, system: System, app_id: str
) -> None:
    """Time-ordered ids: each new event lands at the end of the indexes keyed by its id."""
    assert one_preview(client, system, app_id) == [(2, "running")]
    ids = [uuid.UUID(row[0]) for row in system.db.connection().execute("SELECT id FROM events ORDER BY seq")]
    assert len(ids) > 20 and {i.version for i in ids} == {7}
    milliseconds = [i.int >> 80 for i in ids]
    assert milliseconds == sorted(milliseconds)
