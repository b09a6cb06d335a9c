"""Shared test helpers: where the repository lives. Recorded payloads are loaded through `tests.fixtures`."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
