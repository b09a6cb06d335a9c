"""The webhook door: a GitHub delivery (checked for its signature by the backend) becomes one domain event.

`admit_webhook` runs at the door, so a delivery that can never be taken (no JSON, no installation, a field
missing) is answered 400 at once; `ingest_webhook` takes it later, delivered like an event (once per
X-GitHub-Delivery: the kernel skips a delivery id the edge already handled)."""

from __future__ import annotations

from typing import Any

import orjson

from events import Event
from ports import Arrival, Edge, Ports
from services.github.translate import WebhookRejectedError, translate

MAX_DELIVERY_ID = 100


def admit_webhook(arrival: Arrival) -> Event:
    """The event of one delivery; raises WebhookRejectedError when it can never be one."""
    if not arrival.name:
        raise WebhookRejectedError("the X-GitHub-Event header is missing")
    if not 0 < len(arrival.id) <= MAX_DELIVERY_ID:
        raise WebhookRejectedError(f"X-GitHub-Delivery must be 1 to {MAX_DELIVERY_ID} characters")
    return translate(arrival.name, arrival.id, parse_body(arrival))


def ingest_webhook(arrival: Arrival, ports: Ports) -> list[Event]:
    """A GitHub delivery becomes its domain event (or WebhookIgnored, saying why)."""
    return [admit_webhook(arrival)]


def parse_body(arrival: Arrival) -> dict[str, Any]:
    """The JSON object of the body; raises WebhookRejectedError when it is not one."""
    try:
        payload = orjson.loads(arrival.body)  # at the door of every delivery: twice json's speed on 24 KB
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


def sync_webhook_url(url: str, ports: Ports) -> None:
    """Preflight at start: point the GitHub App's webhook at this deployment's `url`."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"webhook url must be http(s), got {url!r}")
    ports.github.update_webhook_url(url)


WEBHOOKS = Edge(
    name="webhook",
    trigger="github-webhooks",
    admit=admit_webhook,
    handler=ingest_webhook,
    rejections=(WebhookRejectedError,),
)
