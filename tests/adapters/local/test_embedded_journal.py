"""The embedded outside world's journal: a data dir reopened holds every call that was journaled, and the
worker's held records are journaled together when its batch ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from ports import DnsEntry
from sim.embedded import open_outside


def test_a_reopened_world_holds_the_journaled_calls(tmp_path: Path) -> None:
    world = open_outside(tmp_path / "outside.sqlite3")
    world.github.upsert_pull_request_comment(1, "acme/app", 3, "<!-- m -->", "deploying")
    world.dns.upsert_record(DnsEntry(zone="example.com", name="pr-3", type="CNAME", content="a.fly.dev"))
    world.journal.close()
    again = open_outside(tmp_path / "outside.sqlite3")
    assert [c.body for c in again.github.fake.comments_on("acme/app", 3)] == ["deploying"]
    assert [r.name for r in again.dns.fake.list_records("example.com")] == ["pr-3"]


def test_held_calls_reach_the_journal_when_the_block_ends_even_a_failed_one(tmp_path: Path) -> None:
    world = open_outside(tmp_path / "outside.sqlite3")
    with pytest.raises(RuntimeError), world.journal.held():
        world.github.upsert_pull_request_comment(1, "acme/app", 3, "<!-- m -->", "one")
        with world.journal.held():  # nested: the outer block writes them
            world.github.upsert_pull_request_comment(1, "acme/app", 4, "<!-- m -->", "two")
        assert world.journal.entries() == []
        raise RuntimeError("the batch failed after its calls")
    assert [(port, method, args[2]) for port, method, args in world.journal.entries()] == [
        ("github", "upsert_pull_request_comment", 3),
        ("github", "upsert_pull_request_comment", 4),
    ]
    world.journal.close()
    again = open_outside(tmp_path / "outside.sqlite3")
    assert [c.body for c in again.github.fake.comments_on("acme/app", 4)] == ["two"]
