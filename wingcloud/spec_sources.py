"""Where `wingcloud spec diff` reads a spec from: a file, a git revision (`main`, `HEAD~3`, a tag, a sha) or
`REV:path`; and which revision the CI gate compares with (the last release tag, else the merge base with main)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from spec import SPEC_PATH
from spec.loader import load_document
from wingcloud.errors import CommandError

RELEASE_TAGS = "v[0-9]*"
MAIN_BRANCHES = ("main", "origin/main")


@dataclass(frozen=True)
class SpecText:
    label: str  # what a person typed, and what it resolved to
    document: dict[str, Any]


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise CommandError("git is not installed: it is needed to read a spec from a git revision") from None


def _repository(cwd: Path, wanted: str) -> Path:
    found = _git(cwd, "rev-parse", "--show-toplevel")
    if found.returncode != 0:
        raise CommandError(
            f"{wanted!r} is not a file, and {cwd} is not inside a git repository to read a revision from"
        )
    return Path(found.stdout.strip())


def _spec_in_repository(top: Path) -> str:
    """The spec's path inside the repository (the one this checkout uses, else the conventional one)."""
    try:
        return SPEC_PATH.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return "spec/asyncapi.yaml"


def _commit(cwd: Path, revision: str) -> str | None:
    found = _git(cwd, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    return found.stdout.strip() if found.returncode == 0 else None


def read_spec(argument: str, cwd: Path) -> SpecText:
    """The parsed spec `argument` names; raise CommandError (or SpecError for a bad file) saying what is wrong."""
    path = cwd / argument
    if path.is_dir():
        raise CommandError(f"{argument} is a directory; give the spec file (e.g. {argument}/spec/asyncapi.yaml)")
    if path.is_file():
        return SpecText(argument, load_document(path))
    revision, _, inside = argument.partition(":")
    if not revision:
        raise CommandError(f"{argument!r}: no revision before ':' (e.g. main:spec/asyncapi.yaml)")
    top = _repository(cwd, argument)
    commit = _commit(top, revision)
    if commit is None:
        shallow = _git(top, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
        hint = " (this clone is shallow: git fetch --unshallow)" if shallow else ""
        raise CommandError(f"{argument!r} is neither a file nor a git revision of {top.name}{hint}")
    inside = inside or _spec_in_repository(top)
    shown = _git(top, "show", f"{commit}:{PurePosixPath(inside)}")
    if shown.returncode != 0:
        raise CommandError(f"revision {revision} ({commit[:12]}) has no file {inside}")
    label = f"{argument} ({commit[:12]})"
    try:
        document = yaml.safe_load(shown.stdout)
    except yaml.YAMLError as error:
        raise CommandError(f"{inside} at {revision} is not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise CommandError(f"{inside} at {revision} does not hold a YAML mapping")
    return SpecText(label, document)


def baseline(cwd: Path) -> tuple[str, str]:
    """(revision, why) the gate compares with: the newest release tag reachable from HEAD, else the merge base
    of HEAD with main (or origin/main, as a fresh clone has it). CommandError when there is neither."""
    top = _repository(cwd, "HEAD")
    tags = _git(top, "tag", "--list", RELEASE_TAGS, "--merged", "HEAD", "--sort=-v:refname").stdout.split()
    if tags:
        return tags[0], f"the last release tag {tags[0]}"
    shallow = _git(top, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    for branch in MAIN_BRANCHES:
        if _commit(top, branch) is None:
            continue
        base = _git(top, "merge-base", "HEAD", branch)
        if base.returncode == 0:
            commit = base.stdout.strip()
            return commit, f"the merge base with {branch} ({commit[:12]})"
        if shallow:
            raise CommandError(
                f"HEAD and {branch} share no commit in this shallow clone: fetch the history "
                "(git fetch --unshallow, or actions/checkout with fetch-depth: 0) so the gate can compare"
            )
        raise CommandError(f"HEAD and {branch} have no common ancestor: there is no baseline to compare the spec with")
    hint = " (a shallow or single-branch clone: git fetch origin main)" if shallow else ""
    raise CommandError(f"no release tag ({RELEASE_TAGS}) and no branch main or origin/main to compare with{hint}")


__all__ = ["SpecText", "baseline", "read_spec"]
