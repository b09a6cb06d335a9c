"""Runs tools/mermaid/check.mjs: every mermaid block rendered by mermaid itself in headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "mermaid"
INSTALL = "(cd tools/mermaid && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund)"


class MermaidToolError(RuntimeError):
    """node, Chromium or the npm packages of tools/mermaid are missing."""


def check_mermaid(target: Path, svg_dir: Path | None = None, tool: Path = TOOL) -> int:
    """The checker's exit code: 0 when every block rendered; its report goes to stdout/stderr."""
    node = shutil.which("node")
    if node is None:
        raise MermaidToolError("node is not installed (apt-get install nodejs npm)")
    if not (tool / "node_modules" / "mermaid" / "dist" / "mermaid.min.js").is_file():
        raise MermaidToolError(f"{tool}/node_modules is not installed: run {INSTALL}")
    if not Path("/usr/bin/chromium").is_file():
        raise MermaidToolError("Debian's chromium is not installed (apt-get install chromium)")
    command = [node, str(tool / "check.mjs"), *(["--svg-dir", str(svg_dir)] if svg_dir else []), str(target)]
    return subprocess.run(command, check=False).returncode
