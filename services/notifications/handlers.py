"""Console live updates: every event the console shows becomes one feed item, once."""

from __future__ import annotations

from typing import Any

from events import Event
from ports import FeedItem, Ports

# The first of these fields an event carries names what the feed item is about.
_SUBJECT_FIELDS = ("environment_id", "app_id", "delivery_id", "repository")
_SUMMARY_FIELDS = ("status", "reason", "entrypoint", "head_branch", "branch", "name", "github_event")


def push_to_feed(event: Event, ports: Ports) -> list[Event]:
    """Show the event in the console's live feed."""
    data: dict[str, Any] = event.model_dump(mode="json", exclude={"metadata"})
    subject = next((str(data[f]) for f in _SUBJECT_FIELDS if data.get(f)), "wingcloud")
    facts = [f"{f}={data[f]}" for f in _SUMMARY_FIELDS if data.get(f) is not None]
    summary = f"{event.detail_type} {subject}" + (f" ({', '.join(facts)})" if facts else "")
    ports.feed.push(FeedItem(kind=event.detail_type, subject=subject, summary=summary, at=ports.clock.now(), data=data))
    return []
