"""Durable acceptance at the edges, with group commit.

A request hands its delivery to one writer thread and waits; the writer inserts everything that queued up
meanwhile in one transaction and commits once, then answers each request: new, or a duplicate id. So a
202 is only ever sent for a delivery that is on disk, and a burst costs one commit per batch, not per request.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from adapters.local import outbox
from adapters.local.db import Database

log = logging.getLogger("wingcloud.inbox")
_MAX_BATCH = 512


@dataclass(frozen=True)
class Arrival:
    kind: str  # outbox.WEBHOOK or outbox.REPORT
    id: str  # X-GitHub-Delivery, or a report id
    name: str  # X-GitHub-Event, or the reported status
    body: bytes
    correlation_id: str


class InboxClosedError(RuntimeError):
    """The inbox is shutting down and accepts nothing more."""


class Inbox:
    def __init__(self, db: Database, on_commit: Callable[[], None]) -> None:
        self._db = db
        self._on_commit = on_commit
        self._queue: queue.Queue[tuple[Arrival, concurrent.futures.Future[bool]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="wingcloud-inbox", daemon=True)
        self._closed = False
        self.last_arrival = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout=10)

    def submit(self, arrival: Arrival) -> concurrent.futures.Future[bool]:
        """Queue for the next commit; the future says True (stored) or False (a duplicate id)."""
        if self._closed:
            raise InboxClosedError("the inbox is closed")
        future: concurrent.futures.Future[bool] = concurrent.futures.Future()
        self._queue.put((arrival, future))
        return future

    async def accept(self, arrival: Arrival) -> bool:
        return await asyncio.wrap_future(self.submit(arrival))

    def busy(self, within: float = 0.01) -> bool:
        """Webhooks are arriving (one came within `within` seconds), or deliveries wait to be stored."""
        return not self._queue.empty() or time.monotonic() - self.last_arrival < within

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < _MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            if any(arrival.kind == outbox.WEBHOOK for arrival, _ in batch):
                self.last_arrival = time.monotonic()
            try:
                results = self._store([arrival for arrival, _ in batch])
            except Exception as error:
                log.exception("inbox commit failed")
                for _, future in batch:
                    future.set_exception(error)
                continue
            self._on_commit()
            for (_, future), stored in zip(batch, results, strict=True):
                future.set_result(stored)

    def _store(self, arrivals: list[Arrival]) -> list[bool]:
        results = []
        received = outbox.iso(outbox.now_ts())
        with self._db.writing() as conn:
            for a in arrivals:
                stored = (
                    conn.execute(
                        "INSERT OR IGNORE INTO inbox (id, kind, name, body, received_at) VALUES (?, ?, ?, ?, ?)",
                        (a.id, a.kind, a.name, a.body, received),
                    ).rowcount
                    == 1
                )
                if stored:
                    outbox.enqueue_edge(conn, a.kind, a.id, a.correlation_id, outbox.now_ts())
                results.append(stored)
        return results
