"""Shared test helpers: where the repository lives. Recorded payloads are loaded through `tests.fixtures`."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake_wing(tmp_path: Path) -> str:
    """An executable `wing` that runs `tests/agent/fake_wing.py` with this Python (see its docstring)."""
    wing = tmp_path / "bin" / "wing"
    wing.parent.mkdir(exist_ok=True)
    wing.write_text(f'#!/bin/sh\nexec {sys.executable} {REPO / "tests" / "agent" / "fake_wing.py"} "$@"\n')
    wing.chmod(wing.stat().st_mode | stat.S_IEXEC)
    return str(wing)
