"""The runtime agent's test bench: a git repository on disk, a fake `wing` (a script), a fake `git` in front of
the real one (a code host over HTTPS that takes one token), and a real HTTP server standing in for wing.cloud's
report, log and clone-access doors (it records what the agent sends, and can answer 409)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent.config import AgentSettings

TOKEN = "report-token-0123456789"


@dataclass
class Sink:
    """wing.cloud's doors as the agent sees them."""

    url: str
    reports: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)  # every request body, raw: to look for leaked secrets
    stale: bool = False  # answer 409: the deployment is no longer current
    stale_from: str | None = None  # ... from this status report on
    asked: int = 0  # GETs of "still current?"
    on_report: Callable[[dict[str, Any]], None] | None = None  # sees each status report as it arrives
    access: dict[str, Any] = field(default_factory=dict)  # what POST /runtime/clone-access answers ...
    access_status: int = 404  # ... with this status (404: a wing.cloud without the door)
    access_asked: list[dict[str, Any]] = field(default_factory=list)  # the bodies it was asked with

    @property
    def statuses(self) -> list[str]:
        return [r["status"] for r in self.reports]

    def text(self, stream: str | None = None) -> str:
        return "\n".join(line["text"] for line in self.lines if stream is None or line["stream"] == stream)


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    state = Sink(f"http://127.0.0.1:{server.server_address[1]}")
    server.sink = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def _sink(self) -> Sink:
        return self.server.sink  # type: ignore[attr-defined,no-any-return]

    def do_GET(self) -> None:
        sink = self._sink()
        sink.asked += 1
        self._answer(409 if sink.stale else 200)

    def do_POST(self) -> None:
        sink = self._sink()
        body = self.rfile.read(int(self.headers["content-length"]))
        sink.bodies.append(body)
        if self.headers.get("authorization") != f"Bearer {TOKEN}":
            self._answer(401)
            return
        document = json.loads(body)
        if document.get("status") and document["status"] == sink.stale_from:
            sink.stale = True
        if sink.stale:
            self._answer(409)
            return
        if self.path.endswith("/clone-access"):
            sink.access_asked.append(document)
            self._answer(sink.access_status, json.dumps(sink.access).encode())
            return
        sink.keys.append(self.headers.get("idempotency-key", ""))
        if self.path.endswith("/logs"):
            sink.lines.extend(document["lines"])
        else:
            if sink.on_report is not None:
                sink.on_report(document)
            sink.reports.append(document)
        self._answer(202)

    def _answer(self, status: int, body: bytes = b"{}") -> None:
        self.send_response(status)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class CodeHost:
    """The fake git's code host (`tests/agent/fake_git.py`): the clones it was asked for."""

    calls: Path

    def clones(self) -> list[str]:
        """The source of each `git clone`, in order (a URL with the token in it)."""
        if not self.calls.exists():
            return []
        called = [json.loads(line) for line in self.calls.read_text().splitlines()]
        return [args[-2] for args in called if args[:1] == ["clone"]]


@pytest.fixture
def code_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, str], CodeHost]:
    """`code_host(repo, token)`: from now on `git clone https://...` clones `repo` when its token is `token`."""

    def serve(repo: Path, accepts: str) -> CodeHost:
        real = shutil.which("git")
        assert real is not None, "git is needed"
        script = tmp_path / "git-bin" / "git"
        script.parent.mkdir(exist_ok=True)
        script.write_text(f'#!/bin/sh\nexec {sys.executable} {Path(__file__).parent / "fake_git.py"} "$@"\n')
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        host = CodeHost(tmp_path / "git-calls")
        for name, value in (("REAL", real), ("REPO", str(repo)), ("ACCEPTS", accepts), ("CALLS", str(host.calls))):
            monkeypatch.setenv(f"FAKE_GIT_{name}", value)
        monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
        return host

    return serve


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str = "change") -> str:
    """Write `files` into the repository (made if needed) and commit them; returns the sha."""
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        git(repo, "init", "-q", "-b", "main")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def app_files(**behaviour: Any) -> dict[str, str]:
    return {"main.w": "bring cloud;\n", "fake-wing.json": json.dumps(behaviour)}


def settings_for(sink: Sink, repo: Path, sha: str, work: Path, wing: str, **more: str) -> AgentSettings:
    env = {
        "GIT_REPO": "acme/hello",
        "GIT_SHA": sha,
        "ENTRYPOINT": "main.w",
        "ENVIRONMENT_ID": "env_1",
        "DEPLOYMENT_ID": "dep_1",
        "WINGCLOUD_REPORT_URL": f"{sink.url}/runtime/reports",
        "WINGCLOUD_LOGS_URL": f"{sink.url}/runtime/logs",
        "WINGCLOUD_REPORT_TOKEN": TOKEN,
        "WINGCLOUD_GIT_URL": str(repo),
        "WINGCLOUD_WORK_DIR": str(work),
        "WINGCLOUD_WING": wing,
        **more,
    }
    return AgentSettings.model_validate(env)
