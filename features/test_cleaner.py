"""Steps of cleaner.feature."""

from __future__ import annotations

from pytest_bdd import parsers, scenarios, then

from features import queries as q
from sim.world import WorldLike

scenarios("cleaner.feature")


@then(parsers.parse("{detail_type} was published at least {count:d} times"))
def published_at_least(world: WorldLike, detail_type: str, count: int) -> None:
    """The hourly schedule kept ticking."""
    assert len(q.details(world, detail_type)) >= count
