"""The GitLab webhook door: a delivery (its `X-Gitlab-Token` checked by the backend) becomes one domain event.

`admit_webhook` runs at the door, so a delivery that can never be taken (no JSON, no project, a field
missing) is answered 400 at once; `ingest_webhook` takes it later, delivered like an event, once per delivery
id: GitLab's `Idempotency-Key` (the same on every retry of one delivery), else `X-Gitlab-Event-UUID`."""

from __future__ import annotations

from typing import Any

import orjson

from events import Event
from ports import Arrival, Edge, Ports
from services.gitlab.translate import WebhookRejectedError, translate

MAX_DELIVERY_ID = 100


def admit_webhook(arrival: Arrival) -> Event:
    """The event of one delivery; raises WebhookRejectedError when it can never be one."""
    if not arrival.name:
        raise WebhookRejectedError("the X-Gitlab-Event header is missing")
    if not 0 < len(arrival.id) <= MAX_DELIVERY_ID:
        raise WebhookRejectedError(f"the delivery id must be 1 to {MAX_DELIVERY_ID} characters")
    return translate(arrival.name, arrival.id, parse_body(arrival))


def ingest_webhook(arrival: Arrival, ports: Ports) -> list[Event]:
    """A GitLab delivery becomes its domain event (or WebhookIgnored, saying why)."""
    return [admit_webhook(arrival)]


def parse_body(arrival: Arrival) -> dict[str, Any]:
    """The JSON object of the body; raises WebhookRejectedError when it is not one."""
    try:
        payload = orjson.loads(arrival.body)
    except orjson.JSONDecodeError as error:
        raise WebhookRejectedError(
            f"{arrival.name} delivery {arrival.id}: body is not valid JSON ({error})", "malformed_json"
        ) from None
    if not isinstance(payload, dict):
        raise WebhookRejectedError(
            f"{arrival.name} delivery {arrival.id}: body must be a JSON object, got {type(payload).__name__}",
            "malformed_json",
        )
    return payload


WEBHOOKS = Edge(
    name="gitlab-webhook",
    trigger="gitlab-webhooks",
    admit=admit_webhook,
    handler=ingest_webhook,
    rejections=(WebhookRejectedError,),
)
