"""`wingcloud serve` as the README runs it: it prints the console URL, the webhook URL and the API token, making
the token (and the webhook secret) at the first start when the environment sets none, and keeping them."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.adapters.local.process import Server, free_port


def _printed(server: Server) -> dict[str, str]:
    lines = [line.strip() for line in server.log.read_text().splitlines()]
    return dict(match.groups() for line in lines if (match := re.match(r"([a-zA-Z ]+?):\s+(\S+)$", line)))


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
        assert len(token) >= 32
        assert httpx.get(f"{server.url}/api/apps", headers={"Authorization": f"Bearer {token}"}).json() == []
        assert httpx.get(f"{server.url}/api/apps", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert httpx.get(first["console"]).status_code == 200
    finally:
        server.stop()
    server.log.write_text("")
    server.start()  # same data dir: the same token, and the secret is not printed again
    try:
        assert _printed(server)["API token"] == token
        assert "webhook secret" not in server.log.read_text()
    finally:
        server.stop()
