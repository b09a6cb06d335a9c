"""Structured logs and metrics (Powertools): one JSON object per line with the delivery's correlation and
causation ids, and a metric per handled or failed delivery in CloudWatch's embedded metric format."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from adapters.eventbridge.function.telemetry import Telemetry
from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.offline.stack import OfflineStack
from spec.contract import Contract
from tests.adapters.eventbridge.test_eventbridge_lambda import consumer_for, ours, sqs_batch


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_every_line_of_a_delivery_names_its_event_correlation_and_causation(
    quiet: OfflineStack, aws: AwsClients, contract: Contract, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = io.StringIO()
    consumer = consumer_for(quiet, aws, "notifications")
    assert isinstance(consumer.telemetry, Telemetry)
    copy = logging.StreamHandler(stream)  # a second handler with Powertools' own JSON formatter, to read
    copy.setFormatter(consumer.log.registered_formatter)
    consumer.log.addHandler(copy)
    good = ours(contract, "EnvironmentStatusChanged")
    bad = ours(contract, "EnvironmentStatusChanged", status="no-such-status")
    consumer.telemetry.metrics.clear_metrics()  # one metric set per process: start from nothing
    try:
        result = consumer.handle(sqs_batch(json.dumps(good), json.dumps(bad)))
    finally:
        consumer.log.removeHandler(copy)
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == ["m1"]
    logged = lines(stream)
    [failure] = [line for line in logged if line["level"] == "ERROR"]
    metadata = bad["detail"]["metadata"]
    assert failure["service"] == "notifications"
    assert (failure["event_id"], failure["correlation_id"], failure["causation_id"]) == (
        metadata["event_id"],
        metadata["correlation_id"],
        metadata["causation_id"],
    )
    assert "SQS delivers it again" in failure["message"] and "exception" in failure
    capsys.readouterr()
    consumer.telemetry.flush()  # to stdout, where Lambda sends it to the log group
    [emf] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "wingcloud"
    assert (emf["Handled"], emf["Failed"]) == ([1.0], [1.0])
    info = [line for line in logged if line["level"] == "INFO"]
    assert all(line["correlation_id"] == good["detail"]["metadata"]["correlation_id"] for line in info)
