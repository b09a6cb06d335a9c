"""The console's live feed, in memory."""

from __future__ import annotations

from ports import FeedItem
from sim.fakes._calls import Recorder


class MemoryFeed(Recorder):
    """Implements `ports.Feed`."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[FeedItem] = []

    def push(self, item: FeedItem) -> None:
        self._record("push", item.kind, item.subject)
        self.items.append(item)

    def recent(self, limit: int = 100) -> list[FeedItem]:
        """The latest `limit` items, oldest first."""
        return self.items[-limit:] if limit > 0 else []
