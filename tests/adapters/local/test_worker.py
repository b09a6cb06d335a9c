"""The delivery worker's own work: what it keeps in memory between batches, the ledger mark it writes, and the
deliveries it runs in the transaction that published their events (rows only for what it does not get to)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from adapters.local import outbox, worker
from adapters.local.system import System
from adapters.local.unit import savepoint
from bus.retry import RetryPolicy
from sim.embedded import JournaledFlyIO
from tests.adapters.local.conftest import AUTH, drain, embedded, fixture_body, pull_request, signed


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


def test_an_event_published_before_a_restart_is_read_back(
    client: TestClient, system: System, app_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new worker (a restarted process) remembers nothing: what is due is read from SQLite."""
    body = fixture_body("pull_request.opened.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1")).status_code == 202
    monkeypatch.setattr(worker, "_BATCH_SECONDS", 0.0)  # every batch runs out of time after its first delivery
    system.worker.run_once()  # the webhook's edge publishes PullRequestOpened; its deliveries are queued
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


def _queued(system: System) -> list[tuple[str, str, str]]:
    rows = system.db.connection().execute("SELECT kind, target, status FROM deliveries ORDER BY id").fetchall()
    return [tuple(row) for row in rows]


def test_a_webhook_runs_on_to_its_deployment_in_one_transaction_with_no_rows_for_its_events(
    client: TestClient, system: System, app_id: str
) -> None:
    """The events a delivery publishes are delivered in the same batch: no delivery rows, no ledger marks."""
    before = _queued(system)
    marks = system.db.connection().execute("SELECT COUNT(*) FROM handled").fetchone()[0]
    body = fixture_body("pull_request.opened.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1")).status_code == 202
    system.worker.run_once()
    environments = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    assert [(e["pr_number"], e["status"]) for e in environments if e["type"] == "preview"] == [(2, "initializing")]
    assert _queued(system) == [*before, ("arrival", "github--webhook", "done")]
    assert system.db.connection().execute("SELECT COUNT(*) FROM handled").fetchone()[0] == marks + 1
    records = client.get("/api/trace/d-1", headers=AUTH).json()["records"]
    delivered = {(r["detail_type"], r["target"]) for r in records if r["kind"] == "delivered"}
    assert ("EnvironmentDeployRequested", "runtime--EnvironmentDeployRequested") in delivered
    assert {r["kind"] for r in records} == {"published", "delivered"}


def test_what_a_batch_does_not_get_to_is_queued_and_delivered_later_the_same(
    client: TestClient, system: System, app_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = len(_queued(system))
    monkeypatch.setattr(worker, "_BATCH_SECONDS", 0.0)  # every batch runs out of time after its first delivery
    body = fixture_body("pull_request.opened.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1")).status_code == 202
    assert system.worker.run_once() == 2  # the arrival taken in, its delivery run; the rest queued
    queued = _queued(system)[before:]
    assert queued[0] == ("arrival", "github--webhook", "done")
    assert queued[1:] and {(kind, status) for kind, _, status in queued[1:]} == {("event", "pending")}
    due = system.db.connection().execute("SELECT DISTINCT next_due FROM deliveries WHERE status = 'pending'")
    assert [row[0] for row in due] == [0.0]  # they continue before anything queued later
    drain(system)
    environments = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    assert [(e["pr_number"], e["status"]) for e in environments if e["type"] == "preview"] == [(2, "running")]
    assert {status for _, _, status in _queued(system)} == {"done"}
    assert len(embedded(system)[0].comments_on("Codertocat/Hello-World", 2)) == 1


def test_batches_cut_after_every_delivery_still_keep_each_reports_work_ahead_of_the_next_report(
    client: TestClient, system: System, app_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every batch runs out of time after one delivery; what it leaves continues before anything due after it:
    a report never overtakes what the previous one set off, so the state machine accepts every report."""
    monkeypatch.setattr(worker, "_BATCH_SECONDS", 0.0)
    for number in range(3, 7):
        body = pull_request(number=number, branch=f"feature-{number}")
        headers = signed(body, "pull_request", f"d-{number}")
        assert client.post("/webhooks/github", content=body, headers=headers).status_code == 202
    drain(system)
    environments = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    previews = sorted((e["pr_number"], e["status"]) for e in environments if e["type"] == "preview")
    assert previews == [(n, "running") for n in range(3, 7)]
    archive = system.db.connection().execute("SELECT detail_type FROM events").fetchall()
    assert "EnvironmentReportRejected" not in {row[0] for row in archive}
    assert {status for _, _, status in _queued(system)} == {"done"}


def test_a_failed_delivery_that_was_never_queued_gets_its_row_and_its_retry(
    client: TestClient, system: System, app_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(system.worker, "_policy", RetryPolicy(maximum_attempts=3, maximum_event_age=timedelta(hours=1)))
    fake = embedded(system)[0]
    monkeypatch.setattr(fake, "upsert_pull_request_comment", _down)
    body = fixture_body("pull_request.opened.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1")).status_code == 202
    system.worker.run_once()
    assert _comment_deliveries(system) == [("event", "pending", 1, "ConnectionError: GitHub is down", 1)]
    monkeypatch.undo()
    with system.db.writing() as conn:  # its backoff is over
        conn.execute("UPDATE deliveries SET next_due = 0 WHERE status = 'pending'")
    drain(system)
    assert [row[:4] for row in _comment_deliveries(system)] == [("event", "done", 2, None)]
    assert len(fake.comments_on("Codertocat/Hello-World", 2)) == 1


def test_a_delivery_that_was_never_queued_and_cannot_succeed_is_dead_lettered_and_redriven(
    client: TestClient, system: System, app_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = embedded(system)[0]
    monkeypatch.setattr(fake, "upsert_pull_request_comment", _down)
    body = fixture_body("pull_request.opened.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1")).status_code == 202
    system.worker.run_once()  # the policy of these tests allows no retry
    assert _comment_deliveries(system) == [("event", "dead", 1, "ConnectionError: GitHub is down", 0)]
    [letter] = client.get("/api/dead-letters", headers=AUTH).json()
    monkeypatch.undo()
    assert client.post(f"/api/dead-letters/{letter['id']}/redrive", headers=AUTH).status_code == 202
    drain(system)
    assert [row[:2] for row in _comment_deliveries(system)] == [("event", "done")]
    assert len(fake.comments_on("Codertocat/Hello-World", 2)) == 1


def _comment_deliveries(system: System) -> list[tuple[object, ...]]:
    """The rows of the deliveries to the PR comment's rule (status changes: one per environment change)."""
    rows = system.db.connection().execute(
        "SELECT kind, status, attempts, last_error, next_due > created_at FROM deliveries WHERE target = ?",
        ("github--EnvironmentStatusChanged",),
    )
    return [tuple(row) for row in rows]


def _down(*args: object, **kwargs: object) -> object:
    raise ConnectionError("GitHub is down")


def test_a_batch_that_fails_to_commit_still_leaves_the_record_of_its_outside_calls(
    client: TestClient, system: System, app_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The calls a batch made happened, whatever becomes of it: their records are written before its commit."""
    real_row = outbox.trace_row

    def failing(kind: str, parcel: object, *args: object, **facts: object) -> outbox.TraceRow:
        if facts.get("target") == "runtime--EnvironmentDeployRequested":
            raise sqlite3.OperationalError("disk I/O error")
        return real_row(kind, parcel, *args, **facts)  # type: ignore[arg-type]

    monkeypatch.setattr(outbox, "trace_row", failing)
    body = fixture_body("pull_request.opened.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1")).status_code == 202
    with pytest.raises(sqlite3.OperationalError):
        system.worker.run_once()
    environments = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    assert [e for e in environments if e["type"] == "preview"] == []  # the batch's work is gone
    calls = system.calls.recent(correlation_id="d-1")
    assert {(c["port"], c["method"]) for c in calls} >= {("flyio", "run_machine")}
    flyio = system.outside.flyio
    assert isinstance(flyio, JournaledFlyIO)
    assert ("flyio", "run_machine") in {(port, method) for port, method, _ in flyio._journal.entries()}


def test_the_trace_keeps_each_step_in_its_place_around_a_failure(
    client: TestClient, system: System, app_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler's events are traced as published just before its delivery, and a failure after the steps
    that came before it: the console nests attempts by this order."""
    monkeypatch.setattr(embedded(system)[0], "upsert_pull_request_comment", _down)
    body = fixture_body("pull_request.opened.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1")).status_code == 202
    system.worker.run_once()
    rows = system.db.connection().execute(
        "SELECT seq, kind, event_id, causation_id, target FROM trace WHERE correlation_id = 'd-1' ORDER BY seq"
    )
    steps = [dict(row) for row in rows]
    published = {s["event_id"]: s for s in steps if s["kind"] == "published"}
    attempts = [s for s in steps if s["kind"] in ("delivered", "failed")]
    assert {s["kind"] for s in attempts} == {"delivered", "failed"}
    for attempt in attempts:  # every attempt comes after its event was published
        event = published.get(attempt["event_id"])
        assert event is None or event["seq"] < attempt["seq"]
    for event in published.values():  # ... and the delivery that published it right after, in one go
        cause = next(s for s in attempts if s["seq"] > event["seq"] and s["kind"] == "delivered")
        assert cause["event_id"] == (event["causation_id"] or "webhook:d-1")
    failed = [s for s in attempts if s["kind"] == "failed"]
    assert failed and all(f["target"] == "github--EnvironmentStatusChanged" for f in failed)
    assert [s["kind"] for s in steps if s["seq"] > failed[0]["seq"]][:1] == ["dead-lettered"]


def test_what_a_batch_left_continues_before_a_report_that_came_after(
    client: TestClient, system: System, app_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch cut right after a report's first step leaves the rest queued; the next batch, long enough to run
    a whole cascade, must finish that before the next report's cascade overtakes it."""
    body = fixture_body("pull_request.opened.json")
    assert client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-1")).status_code == 202
    while system.worker.run_once():
        pass
    flyio = embedded(system)[1]
    reports = []
    while (report := flyio.take_report()) is not None:
        reports.append(report)
    assert [r.status for r in reports][:2] == ["deploying", "running-tests"]
    for n, report in enumerate(reports):
        system.report(report, f"rep-{n}")
    monkeypatch.setattr(worker, "_BATCH_SECONDS", 0.0)
    system.worker.run_once()  # the first report's door only: its RuntimeStatusReported waits
    monkeypatch.setattr(worker, "_BATCH_SECONDS", 60.0)
    while system.worker.run_once(limit=1):  # one due delivery a group: the next report's cascade would run whole
        pass
    drain(system)
    archive = system.db.connection().execute("SELECT detail_type FROM events").fetchall()
    assert "EnvironmentReportRejected" not in {row[0] for row in archive}
    environments = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    assert [(e["pr_number"], e["status"]) for e in environments if e["type"] == "preview"] == [(2, "running")]
