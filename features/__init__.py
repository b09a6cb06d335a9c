"""Gherkin workflows of wing.cloud (pytest-bdd), run against any `sim.world.WorldLike` backend."""
