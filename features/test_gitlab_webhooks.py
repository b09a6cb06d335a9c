"""Steps of gitlab_webhooks.feature (all generic: conftest.py)."""

from __future__ import annotations

from pytest_bdd import scenarios

scenarios("gitlab_webhooks.feature")
