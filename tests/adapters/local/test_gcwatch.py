"""The collector's pauses as `/healthz` reports them: counted per generation, timed, the longest kept."""

from __future__ import annotations

import gc
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
