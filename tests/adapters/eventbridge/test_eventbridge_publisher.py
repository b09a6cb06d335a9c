"""The PutEvents publisher against the moto server: batching, retry of failed entries, refusal of big events."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.eventbridge.function.publisher import (
    MAX_REQUEST_BYTES,
    Entry,
    EventTooLargeError,
    Publisher,
    PublishError,
    batches,
)
from adapters.eventbridge.function.wiring import AwsClients

WHEN = datetime(2026, 11, 28, 6, 46, tzinfo=UTC)


class Recording:
    """The real client, with every PutEvents request's entry count recorded."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[list[dict[str, Any]]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        return dict(self.client.put_events(Entries=Entries))


class Flaky(Recording):
    """Fails the entries whose detail contains one of `failing` for the first `times` requests carrying them:
    those entries are withheld from moto and answered with `code`, as PutEvents reports a partial failure."""

    def __init__(self, client: Any, failing: set[str], times: int, code: str = "ThrottlingException") -> None:
        super().__init__(client)
        self.failing, self.left, self.code = failing, dict.fromkeys(failing, times), code

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        doomed = {i for i, e in enumerate(Entries) if self._fails(e["Detail"])}
        passed = [e for i, e in enumerate(Entries) if i not in doomed]
        answers = iter(self.client.put_events(Entries=passed)["Entries"] if passed else [])
        results = [
            {"ErrorCode": self.code, "ErrorMessage": "Rate exceeded"} if i in doomed else next(answers)
            for i in range(len(Entries))
        ]
        return {"FailedEntryCount": len(doomed), "Entries": results}

    def _fails(self, detail: str) -> bool:
        for marker in self.failing:
            if marker in detail and self.left[marker] > 0:
                self.left[marker] -= 1
                return True
        return False


@pytest.fixture
def bus(aws: AwsClients) -> tuple[str, str]:
    """A bus of its own whose one rule copies every event into a queue: (bus name, queue url)."""
    name = f"publisher-{uuid.uuid4().hex[:8]}"
    events, sqs = aws("events"), aws("sqs")
    events.create_event_bus(Name=name)
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all", EventBusName=name, EventPattern=json.dumps({"source": [{"prefix": "wingcloud."}]}))
    events.put_targets(Rule="all", EventBusName=name, Targets=[{"Id": "q", "Arn": arn}])
    return name, queue


def received(aws: AwsClients, queue: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    while True:
        messages = aws("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        bodies.extend(json.loads(m["Body"]) for m in messages)


def entry(n: int, size: int = 0, **changes: Any) -> Entry:
    detail = json.dumps({"n": n, "pad": "x" * size})
    return Entry("wingcloud.apps", "AppCreated", detail, time=WHEN, label=f"AppCreated evt_{n}", **changes)


def test_entry_size_is_computed_as_eventbridge_does() -> None:
    plain = Entry("wingcloud.apps", "AppCreated", '{"a":"é"}')
    assert plain.size == len("wingcloud.apps") + len("AppCreated") + len('{"a":"é"}'.encode())
    timed = Entry("wingcloud.apps", "AppCreated", '{"a":"é"}', time=WHEN, resources=("arn:x", "arn:yy"))
    assert timed.size == plain.size + 14 + 5 + 6


def test_batches_hold_at_most_ten_entries_under_the_request_limit() -> None:
    assert [len(b) for b in batches([entry(i) for i in range(23)])] == [10, 10, 3]
    big = [entry(i, size=100_000) for i in range(5)]
    grouped = batches(big)
    assert [len(b) for b in grouped] == [2, 2, 1]
    assert all(sum(e.size for e in b) < MAX_REQUEST_BYTES for b in grouped)
    assert [e for b in grouped for e in b] == big


def test_publishes_in_batches_of_ten_and_every_event_arrives(aws: AwsClients, bus: tuple[str, str]) -> None:
    name, queue = bus
    client = Recording(aws("events"))
    ids = Publisher(client, name).publish([entry(i) for i in range(25)])
    assert [len(call) for call in client.calls] == [10, 10, 5]
    assert len(set(ids)) == 25
    bodies = received(aws, queue)
    assert sorted(b["detail"]["n"] for b in bodies) == list(range(25))
    assert {(b["source"], b["detail-type"], b["time"]) for b in bodies} == {
        ("wingcloud.apps", "AppCreated", "2026-11-28T06:46:00Z")
    }
    assert {b["id"] for b in bodies} == set(ids)


def test_large_events_are_split_by_size(aws: AwsClients, bus: tuple[str, str]) -> None:
    name, queue = bus
    client = Recording(aws("events"))
    Publisher(client, name).publish([entry(i, size=100_000) for i in range(3)])
    assert [len(call) for call in client.calls] == [2, 1]
    assert sorted(b["detail"]["n"] for b in received(aws, queue)) == [0, 1, 2]


def test_failed_entries_are_retried_with_backoff_until_accepted(aws: AwsClients, bus: tuple[str, str]) -> None:
    name, queue = bus
    client = Flaky(aws("events"), failing={'"n": 3,', '"n": 7,'}, times=2)
    delays: list[float] = []
    publisher = Publisher(client, name, sleep=delays.append, jitter=lambda: 1.0, base_delay=0.05)
    ids = publisher.publish([entry(i) for i in range(10)])
    assert [len(call) for call in client.calls] == [10, 2, 2], "only the failed entries are sent again"
    assert delays == [0.05, 0.1]
    assert len(ids) == 10 and all(ids)
    assert sorted(b["detail"]["n"] for b in received(aws, queue)) == list(range(10)), "each exactly once"


def test_entries_failing_every_attempt_raise_naming_them(aws: AwsClients, bus: tuple[str, str]) -> None:
    name, queue = bus
    client = Flaky(aws("events"), failing={'"n": 1,'}, times=99)
    publisher = Publisher(client, name, max_attempts=3, sleep=lambda _: None)
    with pytest.raises(PublishError, match=r"after 3 attempt\(s\): AppCreated evt_1: ThrottlingException") as caught:
        publisher.publish([entry(0), entry(1), entry(2)])
    assert [e.label for e, _, _ in caught.value.failures] == ["AppCreated evt_1"]
    assert len(client.calls) == 3
    assert sorted(b["detail"]["n"] for b in received(aws, queue)) == [0, 2], "the others were not held back"


def test_a_non_retryable_error_from_moto_raises_at_once(aws: AwsClients, bus: tuple[str, str]) -> None:
    name, _ = bus
    client = Recording(aws("events"))
    empty = Entry("wingcloud.apps", "AppCreated", "", label="AppCreated evt_empty")
    with pytest.raises(PublishError, match="AppCreated evt_empty: InvalidArgument"):
        Publisher(client, name, sleep=lambda _: None).publish([empty])
    assert len(client.calls) == 1


def test_an_oversized_event_is_refused_before_anything_is_sent(aws: AwsClients, bus: tuple[str, str]) -> None:
    name, queue = bus
    client = Recording(aws("events"))
    too_big = entry(1, size=MAX_REQUEST_BYTES)
    with pytest.raises(EventTooLargeError, match=r"event AppCreated evt_1 is too large for EventBridge: entry size"):
        Publisher(client, name).publish([entry(0), too_big])
    assert client.calls == []
    assert received(aws, queue) == []
