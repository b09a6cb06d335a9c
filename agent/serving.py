"""The app served by `wing it` on the Wing simulator: started, its endpoints found through the Wing Console's
tRPC routes (`endpoint.list`), its logs read (`app.logs`), and watched until it stops."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from agent.steps import QUIET_ENV, StepError, die_with_parent

Emit = Callable[[str], None]
_LABEL = re.compile(r"[^a-z0-9-]+")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def label_of(resource: str, taken: set[str]) -> str:
    """A DNS label for an endpoint from its resource path: `root/Default/Api/Endpoint` -> `api`."""
    parts = [p for p in resource.split("/") if p not in ("root", "Default", "Endpoint")]
    label = _LABEL.sub("-", "-".join(parts).lower()).strip("-")[:50] or "endpoint"
    candidate, n = label, 2
    while candidate in taken:
        candidate, n = f"{label}-{n}", n + 1
    taken.add(candidate)
    return candidate


class App:
    """One `wing it` process and its console."""

    def __init__(
        self, wing: list[str], app: Path, entrypoint: str, state: Path, port: int, env: dict[str, str]
    ) -> None:
        self.port = port or free_port()
        self.console = f"http://127.0.0.1:{self.port}"
        self.tail: deque[str] = deque(maxlen=60)
        self._client = httpx.Client(timeout=5)
        state.mkdir(parents=True, exist_ok=True)
        command = [
            *wing,
            "it",
            "--no-open",
            "--no-update-check",
            "-p",
            str(self.port),
            "--statedir",
            str(state),
            entrypoint,
        ]
        self.command = command
        self.process = subprocess.Popen(
            command,
            cwd=app,
            env={**os.environ, **QUIET_ENV, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            preexec_fn=die_with_parent,
        )
        self._reader: threading.Thread | None = None
        self._since = 0  # ms: the newest log entry read so far
        self._seen: set[str] = set()  # the entries read at exactly `_since`

    def pipe_output(self, emit: Emit) -> None:
        """Send `wing it`'s own output to the log as it comes (a thread)."""

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.tail.append(line.rstrip("\n"))
                emit(line)

        self._reader = threading.Thread(target=read, name="agent-wing-it", daemon=True)
        self._reader.start()

    def endpoints(self, timeout: float = 120.0) -> list[dict[str, str]]:
        """Wait until the console says the app runs (`app.state`: compiling, loadingSimulator, then success or
        error), then list the app's endpoints (label, URL as served)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise StepError(f"wing it stopped (exit status {self.process.returncode}):\n" + "\n".join(self.tail))
            try:
                state = self._trpc("app.state")
                if state == "error":
                    raise StepError(f"the app failed to start:\n{self._trpc('app.error') or chr(10).join(self.tail)}")
                if state == "success":
                    taken: set[str] = set()
                    return [
                        {"label": label_of(str(e.get("id", "")), taken), "url": str(e.get("localUrl") or e["url"])}
                        for e in self._trpc("endpoint.list")
                    ]
            except (httpx.TransportError, httpx.HTTPStatusError, ValueError, KeyError):
                pass  # the console is not up yet
            if time.monotonic() > deadline:
                raise StepError(f"the app did not start within {timeout:.0f} s (Wing Console: {self.console})")
            time.sleep(0.2)

    def new_logs(self) -> list[str]:
        """The app's log entries since the last call (its `log()` calls and errors), oldest first. The console
        filters by `timestamp >= since`: entries at exactly `since` come again and are told apart by identity."""
        filters = {
            "level": {"verbose": False, "info": True, "warn": True, "error": True},
            "timestamp": self._since,
            "text": "",
            "resourceIds": [],
            "resourceTypes": [],
        }
        entries = self._trpc("app.logs", {"filters": filters}).get("logs", [])
        fresh = []
        for entry in entries:
            at = int(entry.get("timestamp") or 0)
            key = f"{at}/{entry.get('id')}/{entry.get('message')}"
            if at < self._since or (at == self._since and key in self._seen):
                continue
            if at > self._since:
                self._since, self._seen = at, set()
            self._seen.add(key)
            source = (entry.get("ctx") or {}).get("sourcePath", "")
            fresh.append(f"{entry.get('level', 'info')} {source}: {entry.get('message', '')}".strip())
        return fresh

    def _trpc(self, procedure: str, data: dict[str, Any] | None = None) -> Any:
        query = f"?input={quote(json.dumps(data))}" if data is not None else ""
        response = self._client.get(f"{self.console}/trpc/{procedure}{query}")
        response.raise_for_status()
        return response.json()["result"]["data"]

    def stop(self) -> None:
        """Stop `wing it` and what it started (its process group is the agent's: terminate, then kill)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._reader is not None:
            self._reader.join(timeout=5)  # it has read the last lines, then the end of the pipe
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._client.close()
