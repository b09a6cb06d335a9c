"""notifications: the console's live feed, fed by every event it receives (one generic handler)."""

from __future__ import annotations

from events import RECEIVES
from ports import ServiceDefinition
from services.notifications.handlers import push_to_feed

SERVICE = ServiceDefinition(name="notifications", handlers=dict.fromkeys(RECEIVES["notifications"], push_to_feed))

__all__ = ["SERVICE", "push_to_feed"]
