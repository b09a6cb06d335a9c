"""cleaner: an hourly schedule asking the environment manager to stop stale previews."""

from __future__ import annotations

from events import CleanupDue, Event
from ports import Ports, ServiceDefinition

SCHEDULE = "rate(1 hour)"

SERVICE = ServiceDefinition(name="cleaner", handlers={})


def emit_cleanup_due(ports: Ports) -> list[Event]:
    """One tick: previews untouched for `settings.stale_preview_seconds` are due for a stop."""
    return [CleanupDue(scheduled_at=ports.clock.now(), stale_after_seconds=ports.settings.stale_preview_seconds)]


__all__ = ["SCHEDULE", "SERVICE", "emit_cleanup_due"]
