"""The webhook edge: parse, translate, dedupe on the delivery id. Called by composition roots after the
signature check; they publish what it returns as `github` with the delivery id as correlation id."""

from __future__ import annotations

import json
from typing import Any

from events import Event
from ports import Ports, WebhookDelivery
from services.github.translate import WebhookRejectedError, translate

MAX_DELIVERY_ID = 100


def ingest_webhook(delivery: WebhookDelivery, ports: Ports) -> list[Event]:
    """The events of one delivery; [] when this delivery id was already ingested."""
    if not delivery.event:
        raise WebhookRejectedError("the X-GitHub-Event header is missing")
    if not 0 < len(delivery.delivery_id) <= MAX_DELIVERY_ID:
        raise WebhookRejectedError(f"X-GitHub-Delivery must be 1 to {MAX_DELIVERY_ID} characters")
    event = translate(delivery.event, delivery.delivery_id, parse_body(delivery))
    if not ports.dedupe.first_time(f"github:delivery:{delivery.delivery_id}"):
        return []
    return [event]


def parse_body(delivery: WebhookDelivery) -> dict[str, Any]:
    """The JSON object of the body; raises WebhookRejectedError when it is not one."""
    try:
        payload = json.loads(delivery.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WebhookRejectedError(
            f"{delivery.event} delivery {delivery.delivery_id}: body is not valid JSON ({error})"
        ) from None
    if not isinstance(payload, dict):
        raise WebhookRejectedError(
            f"{delivery.event} delivery {delivery.delivery_id}: body must be a JSON object, got {type(payload).__name__}"
        )
    return payload


def sync_webhook_url(url: str, ports: Ports) -> None:
    """Preflight at start: point the GitHub App's webhook at this deployment's `url`."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"webhook url must be http(s), got {url!r}")
    ports.github.update_webhook_url(url)
