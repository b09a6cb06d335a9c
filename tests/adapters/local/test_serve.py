"""`wingcloud serve` as the README runs it: the banner after the bind, the token and secret it made and
where they are kept, one server per data dir, a one-line error for every bad start, and the request log."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import httpx
import pytest

from tests.adapters.local.conftest import AUTH, fixture_body, signed
from tests.adapters.local.process import Server, free_port, run_cli, wait_for


def _printed(server: Server) -> dict[str, str]:
    lines = [line.strip() for line in server.log.read_text().splitlines()]
    return dict(match.groups() for line in lines if (match := re.match(r"([a-zA-Z ]+?):\s+(\S+)$", line)))


def _one_line_error(result: object, *fragments: str) -> None:
    """A failed start: exit 1, no banner, no traceback, the error on one line plus the --debug hint."""
    assert getattr(result, "returncode", None) == 1, result
    stdout, stderr = result.stdout, result.stderr  # type: ignore[attr-defined]
    assert "console:" not in stdout and "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) <= 2 and lines[0].startswith("error: "), stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.slow
def test_serve_prints_the_console_and_webhook_urls_and_a_token_it_made(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", free_port(), own_credentials=True)
    server.start()
    try:
        first = _printed(server)
        token = first["API token"]
        assert first["webhook URL"] == f"{server.url}/webhooks/github"
        assert first["console"] == f"{server.url}/#token={token}"
        assert "webhook secret (generated, kept in the data dir)" in server.log.read_text()
        assert f"is listening on 127.0.0.1:{server.port}" in server.log.read_text()
        assert len(token) >= 32
        assert httpx.get(f"{server.url}/api/apps", headers={"Authorization": f"Bearer {token}"}).json() == []
        assert httpx.get(f"{server.url}/api/apps", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert httpx.get(first["console"]).status_code == 200
    finally:
        server.stop()
    secret = re.search(r"webhook secret \(generated, kept in the data dir\): (\S+)", server.log.read_text())
    assert secret is not None
    server.log.write_text("")
    server.start()  # same data dir: the same token; the secret is not printed again, but where it is kept is
    try:
        assert _printed(server)["API token"] == token
        log = server.log.read_text()
        assert secret.group(1) not in log
        assert f"webhook secret: kept in {(tmp_path / 'data' / 'credentials.json').resolve()}" in log
    finally:
        server.stop()


@pytest.mark.slow
def test_a_busy_port_is_one_line_and_no_banner(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", "--port", str(port), "--data-dir", str(tmp_path / "data"))
    _one_line_error(result, f"port {port} on 127.0.0.1 is already in use", "--port")


def test_a_port_out_of_range_is_a_usage_error() -> None:
    result = run_cli("serve", "--port", "70000")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--port" in result.stderr and "65535" in result.stderr


def test_an_unusable_data_dir_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    result = run_cli("serve", "--port", "0", "--data-dir", str(tmp_path / "file" / "data"))
    _one_line_error(result, f"cannot use {tmp_path / 'file' / 'data'} as the data dir", "--data-dir")


def test_a_data_dir_that_cannot_be_made_is_one_line_naming_the_option() -> None:
    # /proc refuses new folders even to root: mkdir raises FileNotFoundError, not PermissionError
    result = run_cli("serve", "--port", "0", "--data-dir", "/proc/nope")
    _one_line_error(result, "cannot use /proc/nope as the data dir (no such file or directory)", "--data-dir")


# A privileged port cannot be refused for real where the tests run as root, so the bind is made to answer as
# Linux does for a user (EACCES) in the CLI's own process, through a sitecustomize on its path.
_REFUSE_PRIVILEGED = """
import errno, socket

_bind = socket.socket.bind


def bind(self, address):
    if isinstance(address, tuple) and 0 < address[1] < 1024:
        raise PermissionError(errno.EACCES, "Permission denied")
    return _bind(self, address)


socket.socket.bind = bind
"""


def test_a_privileged_port_is_one_line_and_no_banner(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(_REFUSE_PRIVILEGED)
    path = os.pathsep.join(filter(None, [str(tmp_path / "site"), os.environ.get("PYTHONPATH")]))
    result = run_cli("serve", "--port", "80", "--data-dir", str(tmp_path / "data"), env={"PYTHONPATH": path})
    _one_line_error(result, "no permission to listen on port 80 (ports below 1024 need root)", "--port 8080")


def test_an_invalid_setting_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    result = run_cli("serve", "--data-dir", str(tmp_path / "d"), env={"WINGCLOUD_FSYNC": "sometimes"})
    _one_line_error(result, "WINGCLOUD_FSYNC")


@pytest.mark.slow
def test_a_second_server_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    first = Server(tmp_path / "data", free_port())
    first.start()
    try:
        result = run_cli("serve", "--port", str(free_port()), "--data-dir", str(tmp_path / "data"))
        assert first.proc is not None
        _one_line_error(result, f"another wingcloud serve (pid {first.proc.pid}) is using the data dir")
        assert httpx.get(f"{first.url}/healthz").status_code == 200  # the first one is untouched
    finally:
        first.stop()
    second = Server(tmp_path / "data", free_port())  # the lock goes with the process
    second.start()
    second.stop()


@pytest.mark.slow
def test_every_request_is_logged_and_a_refused_webhook_says_why(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", free_port())
    server.start()
    try:
        assert httpx.get(f"{server.url}/api/apps", headers=AUTH).status_code == 200
        body = fixture_body("pull_request.opened.json")
        forged = {**signed(body, "pull_request", "forged-1"), "X-Hub-Signature-256": "sha256=" + "0" * 64}
        assert httpx.post(f"{server.url}/webhooks/github", content=body, headers=forged).status_code == 401
        good = httpx.post(f"{server.url}/webhooks/github", content=body, headers=signed(body, "pull_request", "ok-1"))
        assert good.status_code == 202

        def logged() -> list[str] | None:
            lines = server.log.read_text().splitlines()
            return lines if any("ok-1" in line for line in lines) else None

        lines = wait_for(logged, "the request log")
        assert any(re.search(r'^INFO: +127\.0\.0\.1:\d+ - "GET /api/apps" 200 [\d.]+ ms$', line) for line in lines)
        [refused] = [line for line in lines if "forged-1" in line]
        assert refused.startswith("WARNING:") and '"POST /webhooks/github" 401' in refused
        assert "event=pull_request" in refused and "invalid_signature" in refused and "does not match" in refused
        [accepted] = [line for line in lines if "delivery=ok-1" in line]
        assert accepted.startswith("INFO:") and " 202 " in accepted
    finally:
        server.stop()


@pytest.mark.slow
def test_quiet_logs_only_what_went_wrong(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", free_port(), args=("--quiet",))
    server.start()
    try:
        assert httpx.get(f"{server.url}/api/apps", headers=AUTH).status_code == 200
        body = fixture_body("ping.json")
        forged = {**signed(body, "ping", "forged-q"), "X-Hub-Signature-256": "sha256=" + "0" * 64}
        assert httpx.post(f"{server.url}/webhooks/github", content=body, headers=forged).status_code == 401
        wait_for(lambda: "forged-q" in server.log.read_text(), "the refused webhook's warning")
        assert '"GET /api/apps"' not in server.log.read_text()
        assert "console:" in server.log.read_text()  # the banner is not a log line: it always shows
    finally:
        server.stop()


def test_the_data_dir_is_readable_by_its_user_only_and_an_old_one_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "notes.txt").write_text("from an earlier version")
    (data / "notes.txt").chmod(0o644)
    server = Server(data, free_port())
    server.start()
    try:
        body = fixture_body("pull_request.opened.json")
        httpx.post(f"{server.url}/webhooks/github", content=body, headers=signed(body, "pull_request", "d-perm"))
        modes = {entry.name: entry.stat().st_mode & 0o777 for entry in data.iterdir() if entry.is_file()}
        assert data.stat().st_mode & 0o777 == 0o700
        assert {name for name, mode in modes.items() if mode != 0o600} == set(), modes
        assert "wingcloud.sqlite3" in modes and "inbox.sqlite3" in modes and "credentials.json" in modes
    finally:
        server.stop()
