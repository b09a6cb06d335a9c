"""The transactional outbox on the moto server: a delivery crashed at every point loses no event, and no event
is published twice under different ids (a copy of the same event id is skipped by its receivers' ledgers).

A crash is an exception at a named point of the delivery (`Consumer.checkpoint`): the Lambda invocation
fails, SQS redelivers the record, and the next attempt runs with nothing of the first one in memory.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from adapters.eventbridge.function.consumer import ConflictError
from adapters.eventbridge.function.transaction import TransactionalDynamo
from adapters.eventbridge.offline.stack import OfflineStack
from adapters.eventbridge.offline.world import AwsWorld, IngressError
from tests.fixtures import github_body

POINTS = ("before-commit", "committed", "published")


class Crash(RuntimeError):
    """The function died here."""


def crash_once(at: str) -> tuple[list[str], object]:
    crashed: list[str] = []

    def checkpoint(point: str) -> None:
        if point == at and not crashed:
            crashed.append(point)
            raise Crash(f"crashed {point}")

    return crashed, checkpoint


def published_ids(world: AwsWorld) -> dict[str, set[str]]:
    ids: dict[str, set[str]] = defaultdict(set)
    for envelope in world.events():
        ids[envelope.detail_type].add(envelope.event_id)
    return ids


@pytest.mark.parametrize("point", POINTS)
def test_a_crashed_delivery_loses_no_event_and_sends_none_under_another_id(quiet: OfflineStack, point: str) -> None:
    world = AwsWorld(quiet)
    world.github.set_branch_head("acme/app", "main", "c" * 40, "first")
    crashed, checkpoint = crash_once(point)
    world.consumers["environments"].checkpoint = checkpoint  # type: ignore[assignment]
    world.create_app(owner="o", name="a", repository="acme/app", default_branch="main")
    world.run()
    assert crashed == [point]
    ids = published_ids(world)
    for message in ("EnvironmentCreated", "EnvironmentDeployRequested"):
        assert len(ids[message]) == 1, (message, ids[message])
    [env] = world.environments()
    assert env.status == "running"
    assert len(world.flyio.called("run_machine")) == 1
    assert world.dead_letters() == []


def test_a_crash_after_publishing_sends_the_same_event_ids_again(quiet: OfflineStack) -> None:
    world = AwsWorld(quiet)
    world.github.set_branch_head("acme/app", "main", "c" * 40, "first")
    _, checkpoint = crash_once("published")
    world.consumers["environments"].checkpoint = checkpoint  # type: ignore[assignment]
    world.create_app(owner="o", name="a", repository="acme/app", default_branch="main")
    world.run()
    sent = [e.event_id for e in world.events() if e.detail_type == "EnvironmentCreated"]
    assert len(sent) == 2 and len(set(sent)) == 1  # at least once, under one id


@pytest.mark.parametrize("point", ("before-commit",))
def test_a_command_crashed_before_its_commit_leaves_neither_state_nor_event(quiet: OfflineStack, point: str) -> None:
    world = AwsWorld(quiet)
    world.github.set_branch_head("acme/app", "main", "c" * 40, "first")
    _, checkpoint = crash_once(point)
    world.consumers["apps"].checkpoint = checkpoint  # type: ignore[assignment]
    with pytest.raises(Crash):
        world.create_app(owner="o", name="a", repository="acme/app", default_branch="main")
    world.run()
    assert world.apps() == [] and world.events() == []


def test_a_concurrent_writer_cancels_the_transaction_and_the_retry_sees_its_write(quiet: OfflineStack) -> None:
    """Optimistic concurrency: an item a transaction read and changed, changed by another in between (two
    containers adding to one environment slot), cancels the commit; the retry builds on the winner's write."""
    raw = quiet.clients("dynamodb")
    table = quiet.deployment.stores["environments"]
    key = {"pk": {"S": "slot#test"}, "sk": {"S": "slot"}}

    def add(tx: TransactionalDynamo, member: str) -> None:
        tx.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="ADD live :id",
            ExpressionAttributeValues={":id": {"SS": [member]}},
        )

    mine, theirs = TransactionalDynamo(raw), TransactionalDynamo(raw)
    mine.begin()
    add(mine, "env_a")
    theirs.begin()
    add(theirs, "env_b")
    theirs.commit([])
    theirs.end()
    with pytest.raises(ConflictError):
        mine.commit([], on_conflict=lambda error: ConflictError(str(error)))
    mine.end()
    mine.begin()
    add(mine, "env_a")
    mine.commit([])
    mine.end()
    item = raw.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert sorted(item["live"]["SS"]) == ["env_a", "env_b"] and item["rev"] == {"N": "2"}


@pytest.mark.parametrize("point", ("committed", "published"))
def test_a_command_stranded_after_its_commit_is_published_by_the_relay(quiet: OfflineStack, point: str) -> None:
    """No queue redelivers an API command: the ingress function's relay schedule sends what it committed."""
    world = AwsWorld(quiet)
    world.github.set_branch_head("acme/app", "main", "c" * 40, "first")
    _, checkpoint = crash_once(point)
    world.consumers["apps"].checkpoint = checkpoint  # type: ignore[assignment]
    with pytest.raises(Crash):
        world.create_app(owner="o", name="a", repository="acme/app", default_branch="main")
    world.run()
    assert len(world.apps()) == 1
    before = len(published_ids(world)["AppCreated"])
    assert world.ingress.relay(older_than=0) == 1
    assert world.ingress.relay(older_than=0) == 0, "relayed once, then done"
    world.run()
    assert before == (0 if point == "committed" else 1)
    assert len(published_ids(world)["AppCreated"]) == 1
    assert [e.status for e in world.environments()] == ["running"]


def test_a_webhook_stranded_after_its_commit_is_answered_500_and_relayed(quiet: OfflineStack) -> None:
    world = AwsWorld(quiet)
    world.github.set_branch_head("Codertocat/Hello-World", "master", "c" * 40, "first")
    world.create_app(owner="o", name="a", repository="Codertocat/Hello-World", default_branch="master")
    world.run()
    _, checkpoint = crash_once("committed")
    world.ingress.consumers["github"].checkpoint = checkpoint  # type: ignore[assignment]
    body = github_body("pull_request.opened.json")
    with pytest.raises(IngressError, match="answered 500"):
        world.deliver_webhook("pull_request", body, "stranded-1")
    assert world.ingress.relay(older_than=0) == 1
    world.run()
    assert sorted(e.type for e in world.environments()) == ["preview", "production"]
    assert world.deliver_webhook("pull_request", body, "stranded-1") == "stranded-1"  # a redelivery: duplicate
    world.run()
    assert len(published_ids(world)["PullRequestOpened"]) == 1
