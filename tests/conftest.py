"""Shared test helpers: where the repository and the shared fixtures live."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def github_fixtures() -> Path:
    """The folder of real GitHub webhook payloads (shared/fixtures/github)."""
    return FIXTURES / "github"


def github_manifest() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((FIXTURES / "github" / "manifest.json").read_text())["fixtures"]
    return rows
