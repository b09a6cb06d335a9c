"""What Lambda's SQS event source mapping does, for places where no Lambda runs (moto without Docker).

`QueuePump.pump_once` receives a batch, calls the function's handler in-process with the exact SQS event
shape Lambda sends, deletes the records that succeeded and leaves the failed ones for redelivery, honouring
`ReportBatchItemFailures`: a failed record is returned to the queue at once (visibility 0) instead of after
the visibility timeout, so redelivery and the queue's redrive to its DLQ happen without waiting. Lambda's
rules for a bad response are kept: a raised error, or an itemIdentifier that is empty or not in the batch,
fails the whole batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Invoke = Callable[[dict[str, Any]], Mapping[str, Any] | None]


@dataclass(frozen=True)
class PumpedBatch:
    """One pump: how many records were received and which message ids failed (to be redelivered)."""

    received: int
    failed: tuple[str, ...] = ()
    error: str | None = None


@dataclass
class QueuePump:
    sqs: Any
    queue_url: str
    invoke: Invoke
    region: str = "us-east-1"
    batch_size: int = 10
    repair: Callable[[str], str] | None = None  # for an emulator's known defects in message bodies
    history: list[PumpedBatch] = field(default_factory=list)

    def __post_init__(self) -> None:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        self.queue_arn = str(attributes["Attributes"]["QueueArn"])

    def receive(self) -> list[dict[str, Any]]:
        """One poll, as the event source mapping makes it (no long polling: the harness decides when)."""
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=0,
            VisibilityTimeout=30,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return messages

    def pump_once(self, messages: list[dict[str, Any]] | None = None) -> PumpedBatch:
        """Invoke the handler with one batch (received now, or given) and settle every record."""
        messages = self.receive() if messages is None else messages
        if not messages:
            return PumpedBatch(0)
        records = [self._record(m) for m in messages]
        failed_ids, error = self._invoke(records)
        done = [m for m in messages if m["MessageId"] not in failed_ids]
        again = [m for m in messages if m["MessageId"] in failed_ids]
        if done:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        if again:  # back in the queue at once, as if its visibility timeout had passed
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(again)
            ]
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)
        batch = PumpedBatch(len(messages), tuple(sorted(failed_ids)), error)
        self.history.append(batch)
        return batch

    def _invoke(self, records: Sequence[dict[str, Any]]) -> tuple[set[str], str | None]:
        everything = {r["messageId"] for r in records}
        try:
            response = self.invoke({"Records": list(records)}) or {}
        except Exception as error:  # a function error fails the whole batch, as in Lambda
            return everything, f"{type(error).__name__}: {error}"
        failures = response.get("batchItemFailures") or []
        identifiers = {str(f.get("itemIdentifier") or "") for f in failures}
        if not identifiers <= everything:
            return everything, f"invalid batchItemFailures {sorted(identifiers - everything)}"
        return identifiers, None

    def _record(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """An SQS record as Lambda's event source mapping delivers it."""
        body = str(message["Body"])
        if self.repair is not None:
            body = self.repair(body)
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": body,
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": dict(message.get("MessageAttributes", {})),
            "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        }


def drain(pumps: Sequence[QueuePump], *, max_rounds: int = 1000) -> int:
    """Pump every queue, round-robin in a fixed order, until a whole round receives nothing; return the
    records handled. (Polling the queues in parallel gains nothing: the moto server answers one at a time.)"""
    handled = 0
    for _ in range(max_rounds):
        received = sum(pump.pump_once().received for pump in pumps)
        if received == 0:
            return handled
        handled += received
    raise RuntimeError(f"queues still busy after {max_rounds} rounds (a handler loop, or a poison message?)")
