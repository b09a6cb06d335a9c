"""SQS -> Lambda as the event source mapping runs it, on the moto server: partial batch responses,
redelivery, and the queue's redrive to its dead-letter queue after maxReceiveCount."""

from __future__ import annotations

import copy
import json
from typing import Any

from adapters.eventbridge.function.publisher import Entry, Publisher
from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.offline.esm import QueuePump, drain
from adapters.eventbridge.offline.stack import OfflineStack
from adapters.eventbridge.stack.topology import MAX_RECEIVE_COUNT
from spec.contract import Contract


def publish(quiet: OfflineStack, aws: AwsClients, contract: Contract, message: str, count: int = 1) -> list[str]:
    """Put `count` spec-example events on the bus (as their sender); return their metadata event ids."""
    ids, entries = [], []
    for n in range(count):
        detail = copy.deepcopy(contract.messages[message].examples[0]["payload"])
        detail["metadata"]["event_id"] = f"evt-{message}-{n}"
        ids.append(detail["metadata"]["event_id"])
        source = f"wingcloud.{contract.messages[message].senders[0]}"
        entries.append(Entry(source, message, json.dumps(detail)))
    Publisher(aws("events"), quiet.deployment.bus_name).publish(entries)
    return ids


def event_id(record: dict[str, Any]) -> str:
    return str(json.loads(record["body"])["detail"]["metadata"]["event_id"])


class Flaky:
    """A Lambda handler that fails the records whose event id is in `failing`, and remembers every call."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.calls: list[list[str]] = []

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.calls.append([event_id(r) for r in event["Records"]])
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]} for r in event["Records"] if event_id(r) in self.failing
            ]
        }


def pump(quiet: OfflineStack, aws: AwsClients, service: str, handler: Any) -> QueuePump:
    return QueuePump(aws("sqs"), quiet.deployment.queues[service], handler, repair=quiet.repair)


def dead(quiet: OfflineStack, service: str) -> list[tuple[str, int]]:
    return [
        (str(body["detail"]["metadata"]["event_id"]), receives)
        for name, body, receives in quiet.dead_letters()
        if name == service
    ]


def test_a_record_that_always_fails_lands_in_the_dlq_after_the_redrive_count(
    quiet: OfflineStack, aws: AwsClients, contract: Contract
) -> None:
    [doomed] = publish(quiet, aws, contract, "EnvironmentDeployRequested")
    handler = Flaky({doomed})
    drain([pump(quiet, aws, "logs", handler)])
    assert handler.calls == [[doomed]] * MAX_RECEIVE_COUNT, "delivered maxReceiveCount times, then no more"
    assert dead(quiet, "logs") == [(doomed, MAX_RECEIVE_COUNT)]
    assert pump(quiet, aws, "logs", handler).receive() == []


def test_only_failed_records_of_a_batch_come_back(quiet: OfflineStack, aws: AwsClients, contract: Contract) -> None:
    ids = publish(quiet, aws, contract, "EnvironmentDeployRequested", count=3)
    handler = Flaky({ids[1]})
    drain([pump(quiet, aws, "logs", handler)])
    assert handler.calls[0] == ids
    assert handler.calls[1:] == [[ids[1]]] * (MAX_RECEIVE_COUNT - 1)
    assert dead(quiet, "logs") == [(ids[1], MAX_RECEIVE_COUNT)]


def test_a_record_that_fails_once_is_redelivered_and_succeeds(
    quiet: OfflineStack, aws: AwsClients, contract: Contract
) -> None:
    [once] = publish(quiet, aws, contract, "EnvironmentDeployRequested")
    handler = Flaky({once})
    the_pump = pump(quiet, aws, "logs", handler)
    assert the_pump.pump_once().failed
    handler.failing.clear()
    assert drain([the_pump]) == 1
    assert handler.calls == [[once], [once]]
    assert dead(quiet, "logs") == []


def test_a_function_error_or_a_bad_response_fails_the_whole_batch(
    quiet: OfflineStack, aws: AwsClients, contract: Contract
) -> None:
    ids = publish(quiet, aws, contract, "EnvironmentDeployRequested", count=2)

    def crash(event: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("function error")

    outcome = pump(quiet, aws, "logs", crash).pump_once()
    assert (outcome.received, outcome.error) == (2, "RuntimeError: function error")
    assert len(outcome.failed) == 2

    def nonsense(event: dict[str, Any]) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}

    outcome = pump(quiet, aws, "logs", nonsense).pump_once()
    assert outcome.received == 2 and len(outcome.failed) == 2
    assert "invalid batchItemFailures" in str(outcome.error)
    assert (
        sorted(event_id(r) for r in map(lambda m: {"body": m["Body"]}, pump(quiet, aws, "logs", crash).receive()))
        == ids
    )


def test_the_real_consumer_dead_letters_an_event_its_handler_cannot_take(
    quiet: OfflineStack, aws: AwsClients, contract: Contract
) -> None:
    """An event whose detail breaks the spec can never succeed: after the redrive count it is in the DLQ."""
    from adapters.eventbridge.function.entry import build_consumer
    from adapters.eventbridge.function.wiring import Outside
    from ports import Settings
    from sim.fakes import Fakes

    fakes = Fakes()
    consumer = build_consumer(quiet.settings_of("logs", Settings()), aws, Outside(fakes.github, fakes.flyio, fakes.dns))
    detail = copy.deepcopy(contract.messages["EnvironmentStopped"].examples[0]["payload"])
    detail["metadata"]["event_id"] = "evt-broken"
    del detail["environment_id"]
    Publisher(aws("events"), quiet.deployment.bus_name).publish(
        [Entry("wingcloud.environments", "EnvironmentStopped", json.dumps(detail))]
    )
    journal: list[Any] = []
    consumer.journal = journal
    drain([pump(quiet, aws, "logs", consumer.handle)])
    assert dead(quiet, "logs") == [("evt-broken", MAX_RECEIVE_COUNT)]
    assert len(journal) == MAX_RECEIVE_COUNT
    assert all("'environment_id' is a required property" in str(h.error) for h in journal)
