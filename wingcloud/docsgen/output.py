"""Writing generated files next to hand-written ones without ever touching the latter.

A manifest, `<out>/.generated`, lists every generated file; each generated file also starts with MARKER.
A file is ours when either says so. A normal build deletes our files that the inputs no longer produce (a
removed event's page); `--check` reports them, with the missing and stale ones, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wingcloud.docsgen._md import MARKER

MANIFEST = ".generated"
HAND_WRITTEN_DIRS = ("decisions",)
_MANIFEST_HEADER = (
    "# Files written by `wingcloud docs build` (traces/ is written by `wingcloud docs traces`);\n"
    "# everything else in docs/ is hand-written.\n"
)


class HandWrittenFileError(RuntimeError):
    """The build would overwrite a file that it did not generate."""


@dataclass
class Report:
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)


def manifest_text(files: Mapping[str, str]) -> str:
    return _MANIFEST_HEADER + "".join(f"{path}\n" for path in sorted(files))


def _listed(out: Path) -> set[str]:
    try:
        lines = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return set()
    return {line for line in lines if line and not line.startswith("#")}


def _marked(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            head = handle.read(len(MARKER) + 200)
    except (OSError, UnicodeDecodeError):
        return False
    return MARKER in head


def ours(out: Path) -> set[str]:
    """Relative paths of the files in `out` that a build generated (listed or marked)."""
    found = {p for p in _listed(out) if (out / p).is_file()}
    for path in out.rglob("*"):
        relative = path.relative_to(out).as_posix()
        if path.is_file() and relative.split("/", 1)[0] not in HAND_WRITTEN_DIRS and _marked(path):
            found.add(relative)
    return found


def compare(out: Path, files: Mapping[str, str]) -> Report:
    report = Report()
    expected = {**files, MANIFEST: manifest_text(files)}
    for relative, content in sorted(expected.items()):
        path = out / relative
        if not path.is_file():
            report.missing.append(relative)
        elif path.read_bytes() != content.encode("utf-8"):
            report.stale.append(relative)
    report.orphaned = sorted(ours(out) - set(expected))
    return report


def write(out: Path, files: Mapping[str, str]) -> Report:
    """Write what changed, delete our orphans; refuse to overwrite a hand-written file."""
    generated = ours(out)
    for relative in sorted(files):
        path = out / relative
        if path.exists() and relative not in generated:
            raise HandWrittenFileError(
                f"{path} exists and was not generated (no marker, not in {MANIFEST}); move it or rename the page"
            )
    report = compare(out, files)
    for relative in report.missing + report.stale:
        content = manifest_text(files) if relative == MANIFEST else files[relative]
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
        report.written.append(relative)
    for relative in report.orphaned:
        (out / relative).unlink()
        report.deleted.append(relative)
        _prune_empty(out, (out / relative).parent)
    return report


def _prune_empty(out: Path, folder: Path) -> None:
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
