"""Finished history is forgotten after `archive_retention_days`; what may still be retried or redriven stays."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from adapters.local.system import System
from tests.adapters.local.conftest import AUTH, drain

LONG_AGO = "2000-01-01T00:00:00+00:00"


def _count(system: System, table: str, where: str = "1") -> int:
    return int(system.db.connection().execute(f"SELECT COUNT(*) FROM {table} WHERE {where}").fetchone()[0])


def _age_everything(system: System) -> None:
    with system.db.writing() as conn:
        conn.execute("UPDATE events SET time = ?", (LONG_AGO,))
        conn.execute("UPDATE trace SET at = ?", (LONG_AGO,))
        conn.execute("UPDATE feed SET at = ?", (LONG_AGO,))
        conn.execute("UPDATE deliveries SET created_at = 0")


def test_old_finished_history_goes_and_unfinished_stays(client: TestClient, system: System, app_id: str) -> None:
    [env] = client.get(f"/api/apps/{app_id}/environments", headers=AUTH).json()
    assert _count(system, "events") > 5 and _count(system, "trace") > 5
    with system.db.writing() as conn:  # one delivery still pending: its event must stay for the retry
        conn.execute(
            "UPDATE deliveries SET status = 'pending', next_due = 9e18 WHERE id = (SELECT MIN(id) FROM deliveries"
            " WHERE kind = 'event')"
        )
        kept: Any = conn.execute("SELECT ref FROM deliveries WHERE status = 'pending'").fetchone()[0]
    _age_everything(system)
    removed = system.prune_history()
    assert removed["events"] > 0
    assert [row[0] for row in system.db.connection().execute("SELECT id FROM events")] == [kept]
    assert _count(system, "trace") == 0 and _count(system, "feed") == 0
    # deliveries and ledger marks remain only for the kept event (its other targets)
    refs = {row[0] for row in system.db.connection().execute("SELECT ref FROM deliveries")}
    assert refs == {kept}
    assert {row[0] for row in system.db.connection().execute("SELECT key FROM handled")} <= {kept}
    # the state itself is not history: the app and its environment are all there
    assert client.get(f"/api/environments/{env['id']}", headers=AUTH).json()["status"] == "running"


def test_recent_history_is_kept(client: TestClient, system: System, app_id: str) -> None:
    before = {table: _count(system, table) for table in ("events", "trace", "deliveries", "handled")}
    assert system.prune_history() == {"events": 0, "deliveries": 0, "trace": 0, "feed": 0, "dead_letters": 0}
    assert {table: _count(system, table) for table in before} == before


def test_a_replayed_duplicate_of_a_forgotten_webhook_is_still_a_duplicate(
    client: TestClient, system: System, app_id: str
) -> None:
    from tests.adapters.local.conftest import pull_request, signed

    body = pull_request(number=5, branch="old")
    assert (
        client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-old")).status_code == 202
    )
    drain(system)
    _age_everything(system)
    system.prune_history()
    again = client.post("/webhooks/github", content=body, headers=signed(body, "pull_request", "d-old"))
    assert again.status_code == 200 and again.json()["duplicate"] is True  # the inbox keeps every id
