"""Seeded chaos for the simulator: duplicate, delay and reorder deliveries to prove handlers idempotent."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ChaosConfig:
    """Per delivery: a second copy with `duplicate_rate`, a delay up to `max_delay` with `delay_rate`
    (each copy drawn apart); with `reorder`, deliveries due at the same instant run in random order."""

    seed: int
    duplicate_rate: float = 0.0
    delay_rate: float = 0.0
    max_delay: timedelta = timedelta(seconds=30)
    reorder: bool = True

    def __post_init__(self) -> None:
        for name in ("duplicate_rate", "delay_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"ChaosConfig.{name} must be within 0..1, got {rate}")
        if self.max_delay < timedelta(0):
            raise ValueError(f"ChaosConfig.max_delay must not be negative, got {self.max_delay}")


class Chaos:
    """The decisions of one ChaosConfig, drawn from its own RNG so they repeat for a seed."""

    def __init__(self, config: ChaosConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)

    def due_times(self, due: datetime) -> list[tuple[datetime, str | None]]:
        """When each copy of a delivery that would be due at `due` runs (one or two copies), with what chaos
        did to it: "duplicate" for the second copy, "delayed N s" for a late one, or None."""
        copies = 2 if self._rng.random() < self.config.duplicate_rate else 1
        planned = []
        for copy in range(copies):
            at = self._delayed(due)
            marks = (["duplicate"] if copy else []) + (
                [f"delayed {(at - due).total_seconds():.1f} s"] if at > due else []
            )
            planned.append((at, ", ".join(marks) or None))
        return planned

    def order(self) -> float:
        """Tie-breaker among deliveries due at the same instant."""
        return self._rng.random() if self.config.reorder else 0.0

    def _delayed(self, due: datetime) -> datetime:
        if self._rng.random() < self.config.delay_rate:
            return due + self.config.max_delay * self._rng.random()
        return due
