"""The skip policy of the root conftest.py: a test that needs a missing program skips naming it and its install
line; under `.ci/run` (WINGCLOUD_NO_SKIPS=1) the same test fails, so CI cannot pass by running less."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wingcloud.tools import TOOLS

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
NEEDS_CHROMIUM = """
import pytest


@pytest.mark.needs_tool("chromium")
def test_draws_in_a_browser():
    pass


@pytest.mark.xfail(reason="known", strict=True)
def test_known_to_fail():
    raise AssertionError
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project with the repository's own conftest.py, where Chromium is missing (the setting that names the
    browser points at nothing, which counts as missing whatever the PATH holds)."""
    pytester.makeconftest((ROOT / "conftest.py").read_text())
    pytester.makepyfile(test_needs=NEEDS_CHROMIUM)
    monkeypatch.setenv("WINGCLOUD_CHROMIUM", str(pytester.path / "no-such-browser"))
    monkeypatch.delenv("WINGCLOUD_NO_SKIPS", raising=False)
    return pytester


def test_a_missing_tool_skips_naming_the_tool_and_its_install_line(project: pytest.Pytester) -> None:
    result = project.runpytest_inprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1, xfailed=1)
    # the summary line names the test (its file and line), the tool and how to install it
    install = TOOLS["chromium"].install
    result.stdout.fnmatch_lines([f"SKIPPED ?1? test_needs.py:*: Chromium is not installed: {install}"])


def test_with_no_skips_the_same_test_fails_saying_why(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WINGCLOUD_NO_SKIPS", "1")
    result = project.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1, xfailed=1)  # the skip happens in setup: a failed setup is an error
    install = TOOLS["chromium"].install
    result.stdout.fnmatch_lines(
        [f"skipped, and CI runs every test (WINGCLOUD_NO_SKIPS=1): Chromium is not installed: {install}"]
    )


def test_a_tool_that_is_there_runs_the_test(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WINGCLOUD_CHROMIUM", sys.executable)  # any executable file stands for the browser
    monkeypatch.setenv("WINGCLOUD_NO_SKIPS", "1")
    project.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1, xfailed=1)
