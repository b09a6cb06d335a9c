"""The Lambda package: a reproducible zip of the project's own packages, plus installed dependencies if given.

Same sources, same bytes (fixed timestamps, sorted entries), so the S3 key can be the content hash and a
redeploy with unchanged code changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
# What a function imports, and nothing else: no simulator, no fakes, no local server, no deploy-time code.
PACKAGES = (
    "events",
    "ports",
    "services",
    "bus",
    "spec",
    "adapters/__init__.py",
    "adapters/wallclock.py",
    "adapters/eventbridge/__init__.py",
    "adapters/eventbridge/function",
    "adapters/http",  # the ingress function's routes and doors (the same as wingcloud serve's)
    "adapters/github",
    "adapters/flyio",
    "adapters/dns",
)
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_PARTS = frozenset({"__pycache__", "node_modules"})
_SKIP_SUFFIXES = (".pyc", ".pyo")


def _files(root: Path, base: Path) -> list[tuple[str, Path]]:
    if root.is_file():
        return [(root.relative_to(base).as_posix(), root)]
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(base)
        if path.is_file() and not _SKIP_PARTS.intersection(relative.parts) and path.suffix not in _SKIP_SUFFIXES:
            found.append((relative.as_posix(), path))
    return found


def build(dependencies: Path | None = None, repo: Path = REPO) -> bytes:
    """The zip: first-party packages at the root, and the contents of `dependencies` (a `pip install
    --target` directory built for the Lambda platform) beside them."""
    entries = [entry for name in PACKAGES for entry in _files(repo / name, repo)]
    if dependencies is not None:
        entries += _files(dependencies, dependencies)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, _EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]
