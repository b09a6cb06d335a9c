"""Run `wingcloud serve` as a real subprocess on a free port, for the process and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.adapters.local.conftest import SECRET, TOKEN

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(
        self,
        data_dir: Path,
        port: int,
        step: float = 0.0,
        *,
        own_credentials: bool = False,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        """`own_credentials`: leave the API token and webhook secret unset, so the process makes its own."""
        self.data_dir, self.port, self.step = data_dir, port, step
        self.own_credentials = own_credentials
        self.args, self.extra_env = args, env or {}
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "WINGCLOUD_GITHUB_WEBHOOK_SECRET": SECRET,
            "WINGCLOUD_API_TOKEN": TOKEN,
            "WINGCLOUD_RUNTIME_STEP_SECONDS": str(self.step),
            **self.extra_env,
        }
        if self.own_credentials:
            del env["WINGCLOUD_GITHUB_WEBHOOK_SECRET"], env["WINGCLOUD_API_TOKEN"]
        cmd = [
            sys.executable,
            "-c",
            "from wingcloud.cli import main; main()",
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            *self.args,
        ]
        self.log = self.data_dir.parent / f"serve-{self.port}.log"
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"wingcloud serve exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("wingcloud serve did not answer /healthz within 60 s")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`wingcloud ARGS` in a subprocess, as a person runs it; stdout and stderr kept apart."""
    command = [sys.executable, "-c", "from wingcloud.cli import main; main()", *args]
    return subprocess.run(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )


def wait_for(predicate, what: str, timeout: float = 120.0, every: float = 0.2):
    """Poll until `predicate()` is truthy; the deadline only bounds a hang, it is not what the test checks."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(every)
