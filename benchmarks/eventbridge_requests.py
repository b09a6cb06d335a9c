"""AWS requests per pull-request lifecycle on the EventBridge backend, and what they cost at list prices.

Counted with botocore's event hooks on every client the functions use, while one lifecycle runs on the moto
stack: a signed `pull_request.opened` webhook through the ingress, the preview deployed until `running` (the
fake fly.io's reports come back through the ingress's report door), then `pull_request.closed` until the
preview is stopped. What only the offline harness does is left out: its reads of the tap queue and of the
functions' configuration, and the event source mappings' empty polls (on AWS those are a fixed cost per
queue, not per lifecycle: priced separately below).
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.eventbridge.function.wiring import AwsClients

# us-east-1 list prices in USD, from the services' AWS pricing pages as of 2025 (no free tier, no discounts):
# aws.amazon.com/{eventbridge,sqs,lambda,dynamodb/pricing/on-demand,kms,secrets-manager,api-gateway,s3}/pricing
PRICES = {
    "EventBridge PutEvents entry (64 KB chunk)": 1.00 / 1e6,
    "SQS request (64 KB chunk)": 0.40 / 1e6,
    "Lambda request": 0.20 / 1e6,
    "Lambda GB-second (x86)": 0.0000166667,
    "DynamoDB write request unit (on-demand)": 0.625 / 1e6,  # since the 1 Nov 2024 price cut
    "DynamoDB read request unit (on-demand)": 0.125 / 1e6,
    "KMS request": 0.03 / 1e4,
    "Secrets Manager API call": 0.05 / 1e4,
    "API Gateway HTTP API request (512 KB chunk)": 1.00 / 1e6,
    "S3 PUT/LIST/DELETE request": 0.005 / 1e3,
    "S3 GET request": 0.0004 / 1e3,
}
PRICES_AS_OF = "us-east-1 list prices as published on the AWS pricing pages in 2025"
MEMORY_GB = {"ingress": 1.0, "other": 0.5}  # the template's MemorySize
DYNAMO_READS = {"GetItem", "Query", "Scan", "BatchGetItem"}
DYNAMO_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}


def _size(value: Any) -> int:
    return len(json.dumps(value, default=str))


@dataclass
class Tally:
    requests: Counter[str] = field(default_factory=Counter)  # "service API" -> count
    read_units: float = 0.0
    write_units: float = 0.0
    empty_polls: int = 0
    entries: int = 0  # PutEvents entries (EventBridge bills per entry, not per request)
    invocations: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)


class CountingClients(AwsClients):
    """AwsClients whose every client reports its calls to `tally` while `counting` is on."""

    def __init__(self, session: Any, endpoint: str, ignore_queue: Callable[[str], bool]) -> None:
        super().__init__(session, endpoint)
        self.tally, self.counting, self._ignore_queue = Tally(), False, ignore_queue
        self._params: dict[str, Any] = {}

    def __call__(self, name: str, *, attempts: int = 5) -> Any:
        fresh = f"{name}/{attempts}" not in self._clients
        client = super().__call__(name, attempts=attempts)
        if fresh:
            client.meta.events.register("before-parameter-build", self._before)
            client.meta.events.register("after-call", self._after)
        return client

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self._params = params

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.counting:
            return
        service, operation, params = model.service_model.service_id, model.name, self._params
        if service == "Lambda" and operation == "GetFunctionConfiguration":
            return  # the harness reading what a function's environment holds
        if service == "SQS" and self._ignore_queue(str(params.get("QueueUrl", ""))):
            return
        if service == "SQS" and operation == "ReceiveMessage" and not parsed.get("Messages"):
            self.tally.empty_polls += 1
            return
        if service == "SQS" and operation == "GetQueueAttributes":
            return
        self.tally.requests[f"{service} {operation}"] += 1
        if service == "EventBridge" and operation == "PutEvents":
            self.tally.entries += len(params.get("Entries", []))
        if service == "DynamoDB":
            self._units(operation, params, parsed)

    def _units(self, operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        if operation in DYNAMO_READS:  # strongly consistent: 1 unit per 4 KB read (at least 1)
            read = _size(parsed.get("Item") or parsed.get("Items") or {})
            self.tally.read_units += max(1, math.ceil(read / 4096))
        elif operation in DYNAMO_WRITES:
            self.tally.write_units += max(1, math.ceil(_size(params.get("Item") or params.get("Key")) / 1024))
        elif operation == "TransactWriteItems":  # two units per item and KB
            for action in params["TransactItems"]:
                ((_, body),) = action.items()
                self.tally.write_units += 2 * max(1, math.ceil(_size(body.get("Item") or body.get("Key")) / 1024))


def cost(tally: Tally, events_delivered: int, ingress_requests: int) -> dict[str, float]:
    """USD per lifecycle, by item."""
    r = tally.requests
    gb_seconds = sum(
        seconds * MEMORY_GB["ingress" if name == "ingress" else "other"] for name, seconds in tally.seconds.items()
    )
    sqs = sum(n for key, n in r.items() if key.startswith("SQS ")) + events_delivered
    return {
        "EventBridge PutEvents": tally.entries * PRICES["EventBridge PutEvents entry (64 KB chunk)"],
        "SQS (EventBridge's deliveries + the mappings' receives and deletes)": sqs
        * PRICES["SQS request (64 KB chunk)"],
        "Lambda requests": sum(tally.invocations.values()) * PRICES["Lambda request"],
        "Lambda duration": gb_seconds * PRICES["Lambda GB-second (x86)"],
        "DynamoDB writes": tally.write_units * PRICES["DynamoDB write request unit (on-demand)"],
        "DynamoDB reads": tally.read_units * PRICES["DynamoDB read request unit (on-demand)"],
        "KMS": sum(n for k, n in r.items() if k.startswith("KMS ")) * PRICES["KMS request"],
        "Secrets Manager": sum(n for k, n in r.items() if k.startswith("Secrets Manager "))
        * PRICES["Secrets Manager API call"],
        "API Gateway": ingress_requests * PRICES["API Gateway HTTP API request (512 KB chunk)"],
        "S3": sum(n for k, n in r.items() if k in ("S3 PutObject", "S3 ListObjectsV2", "S3 DeleteObjects"))
        * PRICES["S3 PUT/LIST/DELETE request"]
        + sum(n for k, n in r.items() if k == "S3 GetObject") * PRICES["S3 GET request"],
    }


def timed(name: str, clients: CountingClients, call: Callable[..., Any]) -> Callable[..., Any]:
    """`call`, counted as one Lambda invocation of function `name` (with its wall time as its duration)."""

    def invoke(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            if clients.counting:
                clients.tally.invocations[name] += 1
                clients.tally.seconds[name] += time.perf_counter() - started

    return invoke
