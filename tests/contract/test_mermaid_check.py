"""`wingcloud docs check-mermaid` fails on a diagram that renders but cannot be read: labels drawn over each
other, or a diagram so wide that the page shrinks its text below 10 px. (The generated docs pass it in CI.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wingcloud.docsgen.mermaid import TOOL

pytestmark = [pytest.mark.needs_tool("node", "chromium"), pytest.mark.slow]

# The app-created workflow as it was generated before the fix: two arrows from environments to runtime, their
# labels ("7. EnvironmentDeployRequested", "16. EnvironmentStatusChanged") drawn one over the other.
PARALLEL = """```mermaid
flowchart LR
    t_api(["api"])
    s_apps["apps"]
    s_environments["environments"]
    s_notifications["notifications"]
    s_logs["logs"]
    s_runtime["runtime"]
    t_runtime_reports(["runtime-reports"])
    s_endpoints["endpoints"]
    t_api -->|"1. AppCreated"| s_apps
    s_apps -->|"2. AppCreated"| s_environments
    s_apps -->|"3. AppCreated"| s_notifications
    s_environments -->|"4. EnvironmentCreated"| s_notifications
    s_environments -->|"5. EnvironmentStatusChanged"| s_notifications
    s_environments -->|"6. EnvironmentDeployRequested"| s_logs
    s_environments -->|"7. EnvironmentDeployRequested"| s_runtime
    s_runtime -->|"8. RuntimeProvisioned"| s_environments
    t_runtime_reports -->|"9. report deploying"| s_runtime
    s_runtime -->|"10. RuntimeStatusReported"| s_environments
    s_runtime -->|"11. RuntimeStatusReported"| s_logs
    t_runtime_reports -->|"12. report running-tests"| s_runtime
    t_runtime_reports -->|"13. report running-server"| s_runtime
    t_runtime_reports -->|"14. report running"| s_runtime
    s_environments -->|"15. EnvironmentStatusChanged"| s_endpoints
    s_environments -->|"16. EnvironmentStatusChanged"| s_runtime
    s_endpoints -->|"17. EndpointsChanged"| s_notifications
```
"""
WIDE = (
    "```mermaid\nflowchart LR\n" + "\n".join(f"    n{i}[node number {i}] --> n{i + 1}" for i in range(30)) + "\n```\n"
)
FINE = "```mermaid\nflowchart TB\n    a -->|one event| b\n```\n"


def check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    if not (TOOL / "node_modules" / "mermaid").is_dir():
        pytest.skip("tools/mermaid is not installed: (cd tools/mermaid && PUPPETEER_SKIP_DOWNLOAD=1 npm ci)")
    page = tmp_path / "page.md"
    page.write_text(text)
    command = [sys.executable, "-c", "from wingcloud.cli import main; main()", "docs", "check-mermaid", str(page)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_labels_drawn_over_each_other_fail_the_check_naming_them(tmp_path: Path) -> None:
    result = check(tmp_path, PARALLEL)
    assert result.returncode == 1
    assert "mermaid block 1 is unreadable" in result.stderr
    assert "overlaps the label" in result.stderr
    assert "EnvironmentDeployRequested" in result.stderr


def test_a_diagram_shrunk_below_readable_text_fails_the_check(tmp_path: Path) -> None:
    result = check(tmp_path, WIDE)
    assert result.returncode == 1
    assert "in 980 px its text shrinks to" in result.stderr


def test_a_readable_diagram_passes(tmp_path: Path) -> None:
    result = check(tmp_path, FINE)
    assert result.returncode == 0, result.stderr
    assert "1 of 1 mermaid blocks" in result.stdout
