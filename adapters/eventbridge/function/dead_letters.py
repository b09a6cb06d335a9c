"""Dead letters on AWS: what sits in the services' dead-letter queues, listed and redriven one by one for the API.

SQS keeps the message and how often it was received, not the handler's error: that is in the function's log
(CloudWatch Logs, one JSON line per failure with the event id), so `error_message` says where to look.
Listing is a receive that puts each message straight back (visibility 0); a DLQ has no redrive policy of its
own, so looking never moves anything.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bus.errors import RedriveError


class SqsDeadLetters:
    def __init__(self, sqs: Any, queues: dict[str, tuple[str, str]]) -> None:
        """`queues`: service -> (its queue URL, its dead-letter queue URL)."""
        self._sqs, self._queues = sqs, queues

    def listed(self) -> list[dict[str, Any]]:
        found = []
        for service, (_, dlq) in sorted(self._queues.items()):
            for message in self._peek(dlq, hold=False):
                found.append(_view(service, message))
        return found

    def redrive(self, letter_id: str) -> None:
        """Send the letter back to its service's queue, then delete it from the DLQ."""
        for queue, dlq in (pair for _, pair in sorted(self._queues.items())):
            for message in self._peek(dlq, hold=True, wanted=letter_id):
                self._sqs.send_message(QueueUrl=queue, MessageBody=message["Body"])
                self._sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
                return
        raise RedriveError(f"no dead letter waiting with id {letter_id!r}")

    def _peek(self, url: str, *, hold: bool, wanted: str | None = None) -> list[dict[str, Any]]:
        """Every message of a DLQ (each received once), all put back except `wanted` when `hold`."""
        seen: dict[str, dict[str, Any]] = {}
        while True:
            batch = self._sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=30,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            fresh = [m for m in batch if m["MessageId"] not in seen]
            if not fresh:
                break
            seen.update((m["MessageId"], m) for m in fresh)
            if wanted is not None and wanted in seen:
                break
        back = [m for m in seen.values() if not (hold and m["MessageId"] == wanted)]
        for start in range(0, len(back), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(back[start : start + 10])
            ]
            self._sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
        if wanted is not None:
            return [seen[wanted]] if hold and wanted in seen else []
        return list(seen.values())


def _view(service: str, message: dict[str, Any]) -> dict[str, Any]:
    try:
        body = json.loads(message["Body"])
    except ValueError:
        body = {}
    detail = body.get("detail") if isinstance(body, dict) else None
    metadata = detail.get("metadata", {}) if isinstance(detail, dict) else {}
    detail_type = body.get("detail-type") if isinstance(body, dict) else None
    attributes = message.get("Attributes", {})
    sent = int(attributes.get("SentTimestamp", "0")) / 1000
    error = message.get("MessageAttributes", {}).get("ERROR_MESSAGE", {}).get("StringValue")
    return {
        "id": message["MessageId"],
        "target": f"{service}--{detail_type}" if detail_type else None,
        "service": service,
        "event_id": metadata.get("event_id"),
        "detail_type": detail_type,
        "error_code": "MaxReceiveCountExceeded",
        "error_message": error or f"see the {service} function's log for event {metadata.get('event_id')}",
        "exhausted_condition": "maxReceiveCount",
        "attempts": int(attributes.get("ApproximateReceiveCount", "0")),
        "retry_attempts": 0,
        "at": datetime.fromtimestamp(sent, UTC).isoformat(),
        "correlation_id": metadata.get("correlation_id") or "",
    }
