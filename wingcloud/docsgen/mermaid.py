"""Runs tools/mermaid/check.mjs: every mermaid block rendered by mermaid itself in headless Chromium."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from wingcloud import tools

TOOL = Path(__file__).resolve().parents[2] / "tools" / "mermaid"
INSTALL = "(cd tools/mermaid && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund)"


class MermaidToolError(RuntimeError):
    """node, Chromium or the npm packages of tools/mermaid are missing."""


def check_mermaid(target: Path, svg_dir: Path | None = None, tool: Path = TOOL) -> int:
    """The checker's exit code: 0 when every block rendered; its report goes to stdout/stderr."""
    try:
        node = tools.require("node", "to render mermaid")
        chromium = tools.require("chromium", "to render mermaid")
    except tools.MissingToolError as error:
        raise MermaidToolError(str(error)) from None
    if not (tool / "node_modules" / "mermaid" / "dist" / "mermaid.min.js").is_file():
        raise MermaidToolError(f"{tool}/node_modules is not installed: run {INSTALL}")
    command = [node, str(tool / "check.mjs"), *(["--svg-dir", str(svg_dir)] if svg_dir else []), str(target)]
    return subprocess.run(command, check=False, env={**os.environ, "CHROMIUM_PATH": chromium}).returncode
