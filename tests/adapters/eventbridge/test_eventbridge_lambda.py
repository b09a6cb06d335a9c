"""The Lambda entry: envelopes unwrapped at the edge (real captured EventBridge events), details validated,
handlers run, their events published with correlation and causation, failed records reported."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

import events
from adapters.eventbridge.function import entry as lambda_entry
from adapters.eventbridge.function.consumer import Consumer, UnsupportedInvocationError
from adapters.eventbridge.function.entry import build_consumer
from adapters.eventbridge.function.publisher import PublishError
from adapters.eventbridge.function.state import DynamoApps
from adapters.eventbridge.function.wiring import AwsClients, Outside, PortNotGrantedError, build_ports
from adapters.eventbridge.offline.stack import OfflineStack, scheduled_event
from bus.envelope import Envelope
from ports import App, Settings
from sim.fakes import EPOCH, Fakes
from spec.contract import Contract, source_of
from tests.fixtures import eventbridge_json

REPO = Path(__file__).resolve().parents[3]


def captured() -> list[dict[str, Any]]:
    many: list[dict[str, Any]] = eventbridge_json("serverlesspresso.envelopes.json")
    one = eventbridge_json("serverlesspresso.OrderProcessor.WaitingCompletion.json")
    return [*many, one]


def consumer_for(offline: OfflineStack, aws: AwsClients, service: str) -> Consumer:
    fakes = Fakes()
    outside = Outside(fakes.github, fakes.flyio, fakes.dns, clock=fakes.clock, ids=fakes.ids)
    return build_consumer(offline.settings_of(service, Settings()), aws, outside)


def ours(contract: Contract, message: str, **detail_changes: Any) -> dict[str, Any]:
    """A real captured envelope carrying one of our events instead (the spec's example detail)."""
    envelope = copy.deepcopy(captured()[-1])
    detail = copy.deepcopy(contract.messages[message].examples[0]["payload"])
    detail["metadata"]["event_id"] = f"evt-{uuid.uuid4().hex[:8]}"
    detail.update(detail_changes)
    envelope.update({"detail-type": message, "source": source_of(contract.messages[message].senders[0])})
    envelope["detail"] = detail
    return envelope


def sqs_batch(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": body, "eventSource": "aws:sqs"}
            for i, body in enumerate(bodies)
        ]
    }


@pytest.mark.parametrize("raw", captured(), ids=lambda e: e["detail-type"])
def test_captured_envelopes_unwrap_to_their_fields(raw: dict[str, Any]) -> None:
    envelope = Envelope.from_wire(raw)
    assert (envelope.id, envelope.detail_type, envelope.source) == (raw["id"], raw["detail-type"], raw["source"])
    assert envelope.account == raw["account"] and envelope.region == raw["region"]
    assert envelope.time.tzinfo is not None and envelope.time.isoformat().startswith(raw["time"][:19])
    assert list(envelope.resources) == raw["resources"]
    assert envelope.detail == raw["detail"]


def test_foreign_events_fail_their_records_with_the_detail_type_named(quiet: OfflineStack, aws: AwsClients) -> None:
    consumer = consumer_for(quiet, aws, "notifications")
    journal: list[Any] = []
    consumer.journal = journal
    result = consumer.handle(sqs_batch(*(json.dumps(e) for e in captured())))
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [f"m{i}" for i in range(len(captured()))]
    assert "unknown detail-type 'Validator.NewOrder'" in str(journal[0].error)


def test_an_event_is_handled_and_its_consequences_published_with_causation(
    quiet: OfflineStack, aws: AwsClients, contract: Contract
) -> None:
    envelope = ours(contract, "AppCreated")
    detail = envelope["detail"]
    app = App(
        detail["app_id"],
        detail["app_name"],
        detail["owner"],
        detail["repository"],
        detail["default_branch"],
        detail["entrypoint"],
        detail["installation_id"],
        EPOCH,
        last_commit_sha="c" * 40,
    )
    DynamoApps(aws("dynamodb"), quiet.deployment.stores["apps"]).put(app)
    result = consumer_for(quiet, aws, "environments").handle(envelope)  # a direct EventBridge invocation
    assert len(result["published"]) >= 2
    published = [e for e in quiet.tapped() if e["source"] == "wingcloud.environments"]
    assert {"EnvironmentCreated", "EnvironmentDeployRequested"} <= {e["detail-type"] for e in published}
    metadata = envelope["detail"]["metadata"]
    for event in published:
        assert event["detail"]["metadata"]["correlation_id"] == metadata["correlation_id"]
        assert event["detail"]["metadata"]["causation_id"] == metadata["event_id"]
        events.validate(event["detail-type"], event["detail"])
    assert {e["id"] for e in published} == set(result["published"])


def test_only_the_failed_records_of_a_batch_are_reported(
    quiet: OfflineStack, aws: AwsClients, contract: Contract
) -> None:
    good = ours(contract, "AppCreated")
    invalid = ours(contract, "AppCreated", installation_id="not a number")
    misrouted = ours(contract, "SecretCreated")
    consumer = consumer_for(quiet, aws, "environments")
    journal: list[Any] = []
    consumer.journal = journal
    batch = sqs_batch(json.dumps(good), json.dumps(invalid), "not json", json.dumps(misrouted), "[1]")
    assert consumer.handle(batch) == {"batchItemFailures": [{"itemIdentifier": m} for m in ("m1", "m2", "m3", "m4")]}
    errors = [h.error for h in journal]
    assert errors[0] is None
    assert "AppCreated: invalid detail at detail.installation_id" in str(errors[1])
    assert "JSONDecodeError" in str(errors[2])
    assert "service 'environments' got 'SecretCreated'" in str(errors[3])
    assert "SQS body is not a JSON object" in str(errors[4])


def test_a_scheduled_event_runs_the_cleaner_tick(quiet: OfflineStack, aws: AwsClients) -> None:
    tick = scheduled_event(EPOCH, quiet)
    consumer_for(quiet, aws, "cleaner").handle(tick)
    [due] = [e for e in quiet.tapped() if e["detail-type"] == "CleanupDue"]
    assert due["source"] == "wingcloud.cleaner"
    assert due["detail"]["metadata"]["correlation_id"] == tick["id"]
    assert due["detail"]["metadata"]["causation_id"] is None
    with pytest.raises(Exception, match="has no scheduled work"):
        consumer_for(quiet, aws, "logs").handle(tick)


def test_an_unknown_payload_is_refused(quiet: OfflineStack, aws: AwsClients) -> None:
    with pytest.raises(UnsupportedInvocationError, match="expected an SQS batch"):
        consumer_for(quiet, aws, "logs").handle({"hello": "world"})


def test_ports_outside_the_grant_fail_loudly(offline: OfflineStack, aws: AwsClients) -> None:
    fakes = Fakes()
    outside = Outside(fakes.github, fakes.flyio, fakes.dns)
    logs = build_ports(offline.settings_of("logs", Settings()), aws, outside)
    with pytest.raises(PortNotGrantedError, match=r"service 'logs' called Apps\.get, but its function has no grant"):
        logs.apps.get("app_1")
    environments = build_ports(offline.settings_of("environments", Settings()), aws, outside)
    assert environments.apps.get("app_nope") is None
    with pytest.raises(PortNotGrantedError, match=r"Apps\.delete, but its grant is read-only"):
        environments.apps.delete("app_nope")


def test_the_handler_builds_its_service_from_the_environment(
    quiet: OfflineStack, aws: AwsClients, contract: Contract, moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = quiet.deployment.functions["notifications"]
    variables = aws("lambda").get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lambda_variables = {"AWS_ENDPOINT_URL": moto_server, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
    for key, value in {**variables, **lambda_variables}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    lambda_entry.consumer.cache_clear()
    try:
        event = ours(contract, "AppCreated")
        assert lambda_entry.handler(sqs_batch(json.dumps(event)), None) == {"batchItemFailures": []}
        assert lambda_entry.consumer().service == "notifications"
        table = quiet.deployment.stores["feed"]
        items = aws("dynamodb").scan(TableName=table)["Items"]
        assert [item["kind"]["S"] for item in items] == ["AppCreated"]
    finally:
        lambda_entry.consumer.cache_clear()


def test_importing_the_entry_point_connects_to_nothing() -> None:
    code = (
        "import socket\n"
        "def refuse(*args): raise AssertionError(f'connected at import time to {args}')\n"
        "socket.socket.connect = socket.socket.connect_ex = refuse\n"
        "import adapters.eventbridge.function.entry as entry\n"
        "import adapters.eventbridge.function.ingress as ingress\n"
        "assert entry.consumer.cache_info().currsize == 0\n"
        "assert ingress.backend.cache_info().currsize == 0\n"
        "import sys\n"
        "assert 'fastapi' not in sys.modules, 'the ingress imports FastAPI on its first request, not before'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False)
    assert result.returncode == 0, result.stderr


class FailingOnce:
    """A publisher whose first publish fails as PutEvents would after its retries; later ones go through."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.failed = inner, False

    def publish(self, entries: list[Any]) -> list[str]:
        if not self.failed:
            self.failed = True
            raise PublishError([(entries[0], "ThrottlingException", "Rate exceeded")], 6)
        return list(self.inner.publish(entries))


def test_a_failed_publish_is_retried_not_skipped_as_a_duplicate(
    quiet: OfflineStack, aws: AwsClients, contract: Contract
) -> None:
    """The handler's idempotency key is recorded only once its events are out, so the redelivery of an
    event whose publish failed does the work again instead of being dropped as already seen."""
    consumer = consumer_for(quiet, aws, "notifications")
    consumer.publisher = FailingOnce(consumer.publisher)  # type: ignore[assignment]
    event = ours(contract, "AppCreated")
    record = sqs_batch(json.dumps(event))
    feed = quiet.deployment.stores["feed"]
    assert consumer.handle(record) == {"batchItemFailures": []}, "notifications publishes nothing"
    assert consumer.handle(record) == {"batchItemFailures": []}
    assert len(aws("dynamodb").scan(TableName=feed)["Items"]) == 1, "the duplicate was recognised"

    environments = consumer_for(quiet, aws, "environments")
    environments.publisher = FailingOnce(environments.publisher)  # type: ignore[assignment]
    detail = event["detail"]
    app = App(
        detail["app_id"],
        detail["app_name"],
        detail["owner"],
        detail["repository"],
        detail["default_branch"],
        detail["entrypoint"],
        detail["installation_id"],
        EPOCH,
        last_commit_sha="c" * 40,
    )
    DynamoApps(aws("dynamodb"), quiet.deployment.stores["apps"]).put(app)
    assert environments.handle(record) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert environments.handle(record) == {"batchItemFailures": []}
    published = [e["detail-type"] for e in quiet.tapped()]
    assert "EnvironmentDeployRequested" in published, "the retry published what the failed attempt could not"
