"""The collector's pauses as `/healthz` reports them: counted per generation, timed, the longest kept."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from adapters.local import gcwatch


@pytest.fixture
def pauses() -> Iterator[gcwatch.Pauses]:
    watch = gcwatch.Pauses()
    gc.callbacks.append(watch)
    yield watch
    gc.callbacks.remove(watch)


def test_each_collection_is_counted_in_its_generation_and_timed(pauses: gcwatch.Pauses) -> None:
    for generation in (0, 1, 2, 2):
        gc.collect(generation)
    seen = pauses.summary()
    assert seen["collections"][0] >= 1 and seen["collections"][1] >= 1 and seen["collections"][2] >= 2
    assert all(ms >= 0 for ms in seen["total_ms"]) and seen["total_ms"][2] > 0


def test_only_the_five_longest_pauses_are_kept_longest_first() -> None:
    ticks: list[float] = []
    pauses = gcwatch.Pauses(clock=lambda: ticks.pop(0))
    for took in (0.004, 0.001, 0.009, 0.002, 0.007, 0.003, 0.008):  # collections as the collector reports them
        ticks += [10.0, 10.0 + took]
        pauses("start", {"generation": 2})
        pauses("stop", {"generation": 2})
    seen = pauses.summary()
    assert seen["collections"] == [0, 0, 7] and seen["total_ms"][2] == pytest.approx(34.0)
    assert [entry["ms"] for entry in seen["longest"]] == pytest.approx([9.0, 8.0, 7.0, 4.0, 3.0])
    assert all(entry["generation"] == 2 and entry["at"].endswith("Z") for entry in seen["longest"])


def test_without_a_watch_health_says_nothing_of_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gcwatch, "_installed", None)
    assert gcwatch.summary() is None
    watch = gcwatch.install()
    try:
        assert gcwatch.install() is watch and gcwatch.summary() is not None
    finally:
        gc.callbacks.remove(watch)


def test_freeze_counts_the_frozen_objects_once_and_health_does_not_walk_them_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gcwatch, "_installed", None)
    counted: list[int] = []
    real_count = gc.get_freeze_count

    def count() -> int:
        counted.append(real_count())
        return counted[-1]

    monkeypatch.setattr(gc, "get_freeze_count", count)
    try:
        frozen = gcwatch.freeze()
        assert frozen > 0 and counted == [frozen]
        for _ in range(3):  # /healthz, polled: each reads the count kept at freeze time
            assert gcwatch.summary()["frozen_objects"] == frozen  # type: ignore[index]
        assert counted == [frozen]
    finally:
        gc.unfreeze()
        if gcwatch._installed is not None:
            gc.callbacks.remove(gcwatch._installed)


def test_a_collection_that_starts_while_health_is_read_does_not_hang_it(pauses: gcwatch.Pauses) -> None:
    """`/healthz` hung for good under load: `summary` held a lock, a collection started inside it, and the
    callback waited for that lock on the same thread (every later `/healthz` then waited too)."""
    finished = threading.Event()

    def read() -> None:
        for _ in range(200):
            pauses.summary()
        finished.set()

    threshold = gc.get_threshold()
    gc.set_threshold(1)  # a collection at nearly every allocation, so some start inside `summary`
    try:
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout=10)
    finally:
        gc.set_threshold(*threshold)
    assert finished.is_set(), "summary() never returned: a collection inside it waited on itself"
    assert sum(pauses.summary()["collections"]) > 0
