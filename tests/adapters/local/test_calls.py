"""The outside world's call log: what each recorder keeps of a call, who made it, and what it never keeps."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from adapters.local import calls
from adapters.local.calls import CallLog, RecordedDNS, RecordedFlyIO, RecordedGitHub, calling
from adapters.local.db import Database
from ports import DnsEntry, MachineSpec
from sim.fakes import FakeDNS, FakeFlyIO, FakeGitHub


@pytest.fixture
def log(tmp_path: Path) -> CallLog:
    return CallLog(tmp_path / "outside-calls.sqlite3", {"github": "embedded", "flyio": "simulated", "dns": "x"})


def test_a_call_is_recorded_with_its_answer_duration_backend_and_caller(log: CallLog) -> None:
    github = RecordedGitHub(FakeGitHub(), log)
    with calling("github", "github--EnvironmentStatusChanged", "corr-1"):
        ref = github.upsert_pull_request_comment(7, "acme/app", 3, "<!-- m -->", "running ✅")
    [call] = log.recent()
    assert call["port"] == "github" and call["method"] == "upsert_pull_request_comment"
    assert call["args"] == {
        "installation_id": 7,
        "repository": "acme/app",
        "pr_number": 3,
        "marker": "<!-- m -->",
        "body": "running ✅",
    }
    assert call["result"] == {"id": ref.id, "created": True} and call["error"] is None
    assert (call["service"], call["target"], call["correlation_id"]) == (
        "github",
        "github--EnvironmentStatusChanged",
        "corr-1",
    )
    assert call["backend"] == "embedded" and call["duration_ms"] >= 0


def test_a_failing_call_is_recorded_with_its_error_and_still_raises(log: CallLog) -> None:
    flyio = FakeFlyIO()
    flyio.refuse_with = "422: app name taken"
    recorded = RecordedFlyIO(flyio, log)
    with pytest.raises(Exception, match="app name taken"):
        recorded.run_machine(MachineSpec(app_name="wc-env-1", image="img"), "dep_1")
    [call] = log.recent(failed=True)
    assert call["method"] == "run_machine" and "app name taken" in call["error"] and call["result"] is None
    assert log.counts() == {"": {"calls": 1, "failed": 1}}  # no caller: made outside any delivery


def test_tokens_and_secret_values_are_never_recorded(log: CallLog) -> None:
    github, flyio = RecordedGitHub(FakeGitHub(), log), RecordedFlyIO(FakeFlyIO(), log)
    token = github.installation_token(1)
    flyio.set_secrets("wc-env-1", {"DB_PASSWORD": "hunter2"})
    env = {"WINGCLOUD_REPORT_TOKEN": "rt1.abc", "WINGCLOUD_REPORT_URL": "http://x/runtime/reports"}
    flyio.run_machine(MachineSpec(app_name="wc-env-1", image="img", env=env), "dep_1")
    stored = sqlite3.connect(log.path).execute("SELECT args || COALESCE(result, '') FROM calls").fetchall()
    text = " ".join(row[0] for row in stored)
    assert token not in text and "hunter2" not in text and "rt1.abc" not in text
    assert "DB_PASSWORD" in text and "http://x/runtime/reports" in text


def test_dns_calls_and_the_filters(log: CallLog) -> None:
    dns = RecordedDNS(FakeDNS(), log)
    with calling("endpoints", "endpoints--EnvironmentStatusChanged", "c1"):
        dns.upsert_record(DnsEntry("zone.test", "api-env-1", "CNAME", "wc-env-1.fly.dev"))
    dns.list_records("zone.test")
    assert [c["method"] for c in log.recent(service="endpoints")] == ["upsert_record"]
    assert [c["method"] for c in log.recent(port="dns")] == ["list_records", "upsert_record"]
    assert log.recent(port="dns", limit=1)[0]["result"] == [
        {"zone": "zone.test", "name": "api-env-1", "type": "CNAME", "content": "wc-env-1.fly.dev"}
    ]
    assert log.clear() == 2 and log.recent() == []


def test_only_the_most_recent_calls_are_kept(log: CallLog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calls, "KEEP", 10)
    monkeypatch.setattr(calls, "_PRUNE_EVERY", 5)
    dns = RecordedDNS(FakeDNS(), log)
    for n in range(23):
        dns.delete_record("zone.test", f"n{n}")
    kept = [c["args"]["name"] for c in log.recent(limit=100)]
    assert kept[0] == "n22" and len(kept) <= 15 and "n0" not in kept


def test_a_data_dir_made_before_durations_were_traced_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "wingcloud.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE trace (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL,"
        " event_id TEXT NOT NULL, detail_type TEXT NOT NULL, source_service TEXT NOT NULL, target_service TEXT,"
        " target TEXT, correlation_id TEXT NOT NULL, causation_id TEXT, attempt INTEGER NOT NULL, error TEXT)"
    )
    old.execute(
        "INSERT INTO trace VALUES (1, 't', 'published', 'e1', 'AppCreated', 'apps', NULL, NULL, 'c', NULL, 0, NULL)"
    )
    old.execute("PRAGMA user_version = 2")
    old.commit()
    old.close()
    conn = Database(path).connection()
    assert [tuple(r) for r in conn.execute("SELECT event_id, duration_ms FROM trace")] == [("e1", None)]


def test_held_calls_are_written_together_when_the_block_ends(log: CallLog) -> None:
    github = RecordedGitHub(FakeGitHub(), log)
    with log.held():
        github.upsert_pull_request_comment(7, "acme/app", 3, "<!-- m -->", "one")
        github.upsert_pull_request_comment(7, "acme/app", 4, "<!-- m -->", "two")
        assert log.recent() == []
    assert [c["args"]["body"] for c in log.recent()] == ["two", "one"]


def test_held_calls_are_written_when_the_block_fails_and_other_threads_write_at_once(log: CallLog) -> None:
    import threading

    github = RecordedGitHub(FakeGitHub(), log)
    with pytest.raises(RuntimeError), log.held():
        github.upsert_pull_request_comment(7, "acme/app", 3, "<!-- m -->", "held")
        other = threading.Thread(
            target=github.upsert_pull_request_comment, args=(7, "acme/app", 9, "<!-- m -->", "now")
        )
        other.start()
        other.join()
        assert [c["args"]["body"] for c in log.recent()] == ["now"]
        raise RuntimeError("the batch failed")
    assert [c["args"]["body"] for c in log.recent()] == ["held", "now"]


def test_held_calls_are_pruned_like_the_others(log: CallLog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calls, "KEEP", 10)
    monkeypatch.setattr(calls, "_PRUNE_EVERY", 5)
    dns = RecordedDNS(FakeDNS(), log)
    with log.held():
        for n in range(23):
            dns.delete_record("example.com", f"r{n}")
    assert len(log.recent(limit=100)) == 10
