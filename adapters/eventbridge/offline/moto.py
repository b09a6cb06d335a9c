"""A moto server as a subprocess on a free loopback port: started, waited for, stopped, port released."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType


class MotoServerError(RuntimeError):
    """The server did not start, or its port stayed taken after it stopped."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Nothing listens on it (connections of a stopped server may linger in TIME_WAIT; that is fine)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class MotoServer:
    """`with MotoServer(log) as server: server.endpoint` — one `python -m moto.server` process."""

    def __init__(self, log: Path, *, port: int | None = None, timeout: float = 60.0) -> None:
        self.log, self.port, self.timeout = log, port or free_port(), timeout
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> MotoServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as sink:  # the child keeps its own handle
            self._process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise MotoServerError(f"moto server exited with {self._process.returncode}: {self._tail()}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise MotoServerError(f"moto server did not answer at {self.endpoint} within {self.timeout} s: {self._tail()}")

    def stop(self) -> None:
        """Terminate (kill if it will not go), then wait until nothing listens on the port."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not port_is_free(self.port):
            if time.monotonic() > deadline:
                raise MotoServerError(f"port {self.port} is still in use after the moto server stopped")
            time.sleep(0.1)

    def _tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else "(no log)"

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
