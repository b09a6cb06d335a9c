"""The embedded outside world's journal: a data dir reopened holds every call that was journaled, and the
worker's held records are journaled together when its batch ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from ports import DnsEntry
from sim.embedded import KEEP_CALLS, open_outside


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


def test_the_fakes_of_a_long_running_server_remember_only_their_latest_calls(tmp_path: Path) -> None:
    """Every call is journaled; in memory each fake keeps from KEEP_CALLS to twice as many of the latest."""
    world = open_outside(tmp_path / "outside.sqlite3")
    for n in range(2 * KEEP_CALLS + 10):
        world.dns.upsert_record(DnsEntry(zone="example.com", name=f"pr-{n}", type="CNAME", content="a.fly.dev"))
    calls = world.dns.fake.calls
    assert KEEP_CALLS <= len(calls) < 2 * KEEP_CALLS
    assert calls[-1].args[0].name == f"pr-{2 * KEEP_CALLS + 9}"  # the latest, in order
    assert [c.args[0].name for c in calls] == [
        f"pr-{n}" for n in range(2 * KEEP_CALLS + 10 - len(calls), 2 * KEEP_CALLS + 10)
    ]
    assert len(world.journal.entries()) == 2 * KEEP_CALLS + 10
    assert len(world.dns.fake.names("example.com")) == 2 * KEEP_CALLS + 10  # the fake's state is whole
    world.reset()
    for n in range(2 * KEEP_CALLS):
        world.flyio.ensure_app(f"app-{n}")
    assert len(world.flyio.fake.calls) < 2 * KEEP_CALLS  # a reset world keeps the bound


def test_a_reset_forgets_every_fake_gitlab_too(tmp_path: Path) -> None:
    world = open_outside(tmp_path / "outside.sqlite3")
    world.gitlab.upsert_merge_request_note(7, "acme/app", 3, "<!-- m -->", "deploying")
    world.github.upsert_pull_request_comment(1, "acme/app", 3, "<!-- m -->", "deploying")
    world.reset()
    assert world.gitlab.fake.notes == {} and world.github.fake.comments == {}
    assert world.journal.entries() == []
