"""A clone is the product: the whole suite collects in a copy of the repository with nothing beside it, and
every module it imports comes from that copy (nothing reads `../shared` or the original checkout)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGIN = """
import sys
from pathlib import Path

ROOT = Path.cwd().resolve()
PACKAGES = ("events", "ports", "services", "bus", "sim", "adapters", "spec", "wingcloud", "agent", "tests", "features")


def pytest_collection_finish(session):
    outside = sorted(
        f"{name}: {module.__file__}"
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in PACKAGES
        and getattr(module, "__file__", None)
        and not Path(module.__file__).resolve().is_relative_to(ROOT)
    )
    if outside:
        raise SystemExit("imported from outside the clone: " + "; ".join(outside))
"""


def _files() -> list[str]:
    """What a clone holds: the tracked files plus new ones not ignored (so the check covers work not yet
    committed)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (REPO / name).is_file()]


@pytest.mark.slow
@pytest.mark.needs_tool("git")
def test_a_clone_with_nothing_beside_it_collects_every_test(tmp_path: Path) -> None:
    clone = tmp_path / "alone" / "wingcloud"
    for name in _files():
        target = clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    (tmp_path / "plugin").mkdir()
    (tmp_path / "plugin" / "clone_check.py").write_text(PLUGIN)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path / "plugin"), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "clone_check"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    here = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert len(collected) == len([line for line in here.stdout.splitlines() if "::" in line]) > 1000
