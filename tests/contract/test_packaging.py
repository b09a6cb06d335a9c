"""A normal install holds what the code reads at run time: the wheel built from a copy of the repository holds
every file tracked under its packages, the console's scripts, the samples and the spec's schemas included (an
editable install reads them from the checkout and hides a package-data glob that misses them)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _package_roots() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    return [pattern.removesuffix("*") for pattern in config["tool"]["setuptools"]["packages"]["find"]["include"]]


def _tracked(*roots: str) -> list[str]:
    """The files a clone holds under `roots`: tracked plus new ones not ignored (work not yet committed counts)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", *roots],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (REPO / name).is_file()]


@pytest.mark.slow
@pytest.mark.needs_tool("git")
def test_the_wheel_holds_every_file_of_the_packages(tmp_path: Path) -> None:
    source = tmp_path / "source"
    for name in _tracked("."):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path / "dist")],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("wingcloud-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packaged = set(archive.namelist())

    expected = _tracked(*_package_roots())
    assert "adapters/local/static/console/main.js" in expected
    assert sorted(set(expected) - packaged) == []
