"""Notifications: one console feed item per event, once."""

from __future__ import annotations

from events import RECEIVES, AppDeleted, EnvironmentStopped
from events.models import EventMetadata
from services import notifications
from services.notifications import push_to_feed
from sim.fakes import EPOCH, Fakes
from tests.builders import a_preview_event
from tests.kernel import Kernel


def test_every_received_message_feeds_the_console() -> None:
    assert set(notifications.SERVICE.handlers) == set(RECEIVES["notifications"])
    assert set(notifications.SERVICE.handlers.values()) == {push_to_feed}


def test_an_item_names_its_subject_and_a_summary() -> None:
    fakes = Fakes()
    event = a_preview_event(EnvironmentStopped, deployment_id="dep_1", reason="stale-preview")
    assert push_to_feed(event, fakes.ports()) == []
    [item] = fakes.feed.recent()
    assert (item.kind, item.subject, item.at) == ("EnvironmentStopped", "env_1", EPOCH)
    assert "reason=stale-preview" in item.summary and item.data["branch"] == "changes"


def test_a_repeated_delivery_shows_once() -> None:
    fakes = Fakes()
    metadata = EventMetadata(event_id="e1", correlation_id="c", causation_id=None, occurred_at=EPOCH)
    event = AppDeleted(app_id="app_1", repository="Codertocat/Hello-World", metadata=metadata)
    kernel = Kernel("notifications", fakes.ports())  # the repeated delivery is the kernel's to skip
    kernel.deliver(push_to_feed, event)
    kernel.deliver(push_to_feed, event)
    assert [i.subject for i in fakes.feed.recent()] == ["app_1"]
