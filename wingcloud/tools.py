"""The programs wingcloud runs beside Python (graphviz, Chromium, node, git, wing), found once, named in every error.

Every command and test that needs one asks here, so a missing tool is always the same one line: what is
missing and the command that installs it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tool:
    name: str  # how a person calls it
    commands: tuple[str, ...]  # executables tried in order on the PATH
    install: str  # the install line, Debian first
    setting: str | None = None  # an environment variable that names the executable instead
    bundled: str | None = None  # where this repository's pinned copy is, relative to its root, once installed


TOOLS = {
    "dot": Tool("graphviz's `dot`", ("dot",), "apt-get install graphviz (macOS: brew install graphviz)"),
    "chromium": Tool(
        "Chromium",
        ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"),
        "apt-get install chromium (macOS: brew install --cask chromium), or set WINGCLOUD_CHROMIUM to a browser",
        setting="WINGCLOUD_CHROMIUM",
    ),
    "node": Tool("node", ("node",), "apt-get install nodejs npm (macOS: brew install node); node >= 20"),
    "npm": Tool("npm", ("npm",), "apt-get install nodejs npm (macOS: brew install node)"),
    "git": Tool("git", ("git",), "apt-get install git (macOS: xcode-select --install)"),
    "wing": Tool(
        "winglang's `wing`",
        ("wing",),
        "(cd tools/wing && npm ci) in this repository, or npm install -g winglang@0.85.49; or set WINGCLOUD_WING",
        setting="WINGCLOUD_WING",
        bundled="tools/wing/node_modules/.bin/wing",
    ),
}
ROOT = Path(__file__).resolve().parent.parent  # the repository, when installed from a checkout


class MissingToolError(RuntimeError):
    """A program wingcloud needs is not installed; the message says which and how to install it."""

    def __init__(self, tool: str, purpose: str = "") -> None:
        known = TOOLS[tool]
        why = f" (needed {purpose})" if purpose else ""
        super().__init__(f"{known.name} is not installed{why}: {known.install}")
        self.tool = tool


def find(tool: str) -> str | None:
    """The executable of `tool`, or None. A setting that names a missing file counts as missing."""
    known = TOOLS[tool]
    if known.setting and (named := os.environ.get(known.setting)):
        return named if os.path.isfile(named) and os.access(named, os.X_OK) else None
    if known.bundled and (ROOT / known.bundled).is_file():
        return str(ROOT / known.bundled)
    for command in known.commands:
        if path := shutil.which(command):
            return path
    return None


def require(tool: str, purpose: str = "") -> str:
    """The executable of `tool`; raises MissingToolError naming the install command when it is missing."""
    path = find(tool)
    if path is None:
        raise MissingToolError(tool, purpose)
    return path
