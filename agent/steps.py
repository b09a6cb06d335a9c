"""The steps of a deployment, each a command whose output goes to the deployment's log line by line, and
whose failure is a `StepError` in words a person can act on (the tool's own message, not a traceback)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

Emit = Callable[[str], None]  # one log line
QUIET_ENV = {"WING_DISABLE_ANALYTICS": "1", "NO_COLOR": "1", "FORCE_COLOR": "0", "CI": "1"}


class StepError(RuntimeError):
    """A step failed; the message says which and why, in the words of the tool that failed."""


def die_with_parent() -> None:
    """In a child, before exec: be killed when the process that started us dies (Linux), so that no app
    outlives its agent, and no agent outlives the server that started it."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def run(command: Sequence[str], cwd: Path, emit: Emit, *, env: dict[str, str] | None = None, what: str) -> None:
    """Run to completion, every output line to the log; raises StepError with the last lines on failure."""
    emit(f"$ {' '.join(command)}")
    tail: deque[str] = deque(maxlen=40)
    try:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env={**os.environ, **QUIET_ENV, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            preexec_fn=die_with_parent,
        )
    except FileNotFoundError:
        raise StepError(f"{what}: {command[0]} is not installed on this machine") from None
    with process:
        assert process.stdout is not None
        for line in process.stdout:
            tail.append(line.rstrip("\n"))
            emit(line)
    if process.wait() != 0:
        raise StepError(f"{what} failed (exit status {process.returncode}):\n" + "\n".join(tail))


class CredentialsRefusedError(StepError):
    """The code host refused the clone's credentials (an expired token, or none for a private repository)."""


# What git says when the code host wants other credentials (git 2.x, in the C locale; GitLab adds "HTTP Basic:
# Access denied"). A 403 is one too: GitHub answers it for a token that cannot read the repository.
_REFUSED = re.compile(
    r"Authentication failed for|could not read (Username|Password) for|terminal prompts disabled"
    r"|HTTP Basic: Access denied|Invalid username or (password|token)|The requested URL returned error: 40[13]",
    re.IGNORECASE,
)
# git must never wait for a password at a terminal (a local agent can have one); its messages in English, the
# ones `_REFUSED` knows
CLONE_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def clone_url(repository: str, git_url: str | None) -> str:
    """Where to clone from: the given URL or path, else GitHub's HTTPS URL."""
    return git_url or f"https://github.com/{repository}.git"


def clone_source(repository: str, git_url: str | None, token: str | None, user: str = "x-access-token") -> str:
    """`clone_url`, with the token in it when it is an HTTPS URL."""
    url = clone_url(repository, git_url)
    if not token or not url.startswith("https://"):
        return url
    return f"https://{quote(user, safe='')}:{quote(token, safe='')}@{url.removeprefix('https://')}"


def checkout(source: str, sha: str, into: Path, emit: Emit, *, shown: str) -> None:
    """The repository at `sha` in `into` (made afresh); CredentialsRefusedError when the code host refused the
    credentials in `source`."""
    if into.exists():
        shutil.rmtree(into)
    into.parent.mkdir(parents=True, exist_ok=True)
    emit(f"cloning {shown} at {sha}")
    command = ["git", "clone", "--quiet", "--no-checkout", source, str(into)]
    try:
        run(command, into.parent, emit, env=CLONE_ENV, what=f"cloning {shown}")
    except StepError as error:
        message = str(error).replace(source, shown)  # never show a token in a URL
        raise (CredentialsRefusedError if _REFUSED.search(message) else StepError)(message) from None
    try:
        run(["git", "checkout", "--quiet", "--detach", sha], into, emit, what=f"checking out {sha}")
    except StepError:
        raise StepError(f"commit {sha} is not in {shown} (was it pushed?)") from None


def install(app: Path, emit: Emit) -> None:
    """The app's npm dependencies, when it has a package.json (`npm ci` with a lock file)."""
    if not (app / "package.json").is_file():
        return
    command = "ci" if (app / "package-lock.json").is_file() else "install"
    run(["npm", command, "--no-audit", "--no-fund", "--loglevel=error"], app, emit, what=f"npm {command}")


def find_wing(app: Path, configured: str | None, version: str, cache: Path, emit: Emit) -> list[str]:
    """The `wing` to use: the app's own (it pins a winglang), the configured one, one on the PATH, or a pinned
    winglang installed once into the cache."""
    own = app / "node_modules" / ".bin" / "wing"
    if own.is_file():
        emit(f"using the app's own winglang ({own.relative_to(app)})")
        return [str(own)]
    if configured:
        if shutil.which(configured) is None:
            raise StepError(f"WINGCLOUD_WING={configured} is not an executable")
        return [configured]
    on_path = shutil.which("wing")
    if on_path:
        return [on_path]
    prefix = cache / f"winglang-{version}"
    wing = prefix / "node_modules" / ".bin" / "wing"
    prefix.mkdir(parents=True, exist_ok=True)
    with open(prefix / ".lock", "w") as lock:  # one install at a time, however many agents start at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not wing.is_file():
            emit(f"installing winglang {version} into {prefix} (once)")
            run(
                [
                    "npm",
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "--prefix",
                    str(prefix),
                    f"winglang@{version}",
                ],
                prefix,
                emit,
                what=f"installing winglang {version}",
            )
    return [str(wing)]


@dataclass(frozen=True)
class TestRun:
    __test__ = False  # not a pytest class

    results: list[dict[str, Any]]  # path, passed, error
    harness_error: str | None = None  # `wing test` itself failed (no results)

    @property
    def passed(self) -> bool:
        return self.harness_error is None and all(r["passed"] for r in self.results)


def test(
    wing: list[str], app: Path, entrypoint: str, results_file: Path, emit: Emit, env: dict[str, str], workspace: Path
) -> TestRun:
    """`wing test` on the simulator, on a copy of the app in `workspace`; one result per test. A compile error
    raises StepError with the compiler's message; a harness that produced no results is `harness_error` (the
    deployment goes on).

    Why a copy: `wing it`, started beside the tests, runs a Wing Console that compiles the app's tests into the
    same `target/test/<entrypoint>.wsim` that `wing test` compiles into and deletes when it is done; in one
    folder they break each other (the console stops with `simulator.json not found`)."""
    results_file.unlink(missing_ok=True)
    copy_for_tests(app, entrypoint, workspace)
    command = [*wing, "test", "--no-update-check", "--snapshots", "never", "-o", str(results_file), entrypoint]
    failure: str | None = None
    try:
        run(command, workspace, emit, env=env, what="wing test")
    except StepError as error:
        failure = str(error)
    if not results_file.is_file():
        return TestRun([], harness_error=failure or "wing test wrote no results")
    document = json.loads(results_file.read_text())
    results = []
    for file, tests in (document.get("results") or {}).items():
        for name, outcome in tests.items():
            if name == "*" and not outcome.get("pass"):
                raise StepError(f"{entrypoint} does not compile:\n{outcome.get('error') or failure}")
            results.append(
                {
                    "path": f"{file}:{name}"[:1024],
                    "passed": bool(outcome.get("pass")),
                    "error": _first(outcome.get("error")),
                }
            )
    return TestRun(results)


def copy_for_tests(app: Path, entrypoint: str, workspace: Path) -> None:
    """A fresh copy of the checkout in `workspace`, without its git folder and build output; its npm
    dependencies are the app's own, linked (installed once)."""
    shutil.rmtree(workspace, ignore_errors=True)
    top, build = app.resolve(), (app / entrypoint).resolve().parent / "target"

    def skipped(folder: str, names: list[str]) -> set[str]:
        here = Path(folder).resolve()
        return {name for name in names if (here == top and name in (".git", "node_modules")) or (here / name == build)}

    shutil.copytree(app, workspace, symlinks=True, ignore=skipped)
    if (app / "node_modules").is_dir():
        (workspace / "node_modules").symlink_to((app / "node_modules").resolve(), target_is_directory=True)


def _first(error: object) -> str | None:
    """The message of a test's error, without the stack of the simulator's bundles."""
    if not error:
        return None
    lines = str(error).splitlines()
    kept = [line for line in lines if not line.strip().startswith("at ")]
    return "\n".join(kept)[:2000]
