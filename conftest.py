"""Repository-wide test policy: tests that need a program beside Python declare it, and skip with the
install command when it is missing; under `.ci/run` (WINGCLOUD_NO_SKIPS=1) any skip fails instead."""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

from wingcloud import tools

NO_SKIPS = "WINGCLOUD_NO_SKIPS"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_tool(name, ...): needs a program (dot, chromium, node, npm, git, wing); skipped when missing"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A skip mark (not pytest.skip in a hook) so the summary names each skipped test, not this file's line
    missing = {name: tools.find(name) is None for name in tools.TOOLS}
    for item in items:
        for marker in item.iter_markers("needs_tool"):
            for name in marker.args:
                if missing[name]:
                    item.add_marker(pytest.mark.skip(reason=str(tools.MissingToolError(name))))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, object, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get(NO_SKIPS) == "1" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = f"skipped, and CI runs every test ({NO_SKIPS}=1): {reason}"
