"""The endpoint proxy: the agent's one public port on fly.io (path and host routing, health) and the local
server's `<label>-<app>.localhost` routing, forwarding to a real HTTP server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from agent.proxy import HEALTH_PATH, Front


class _Echo(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        text = f"{self.command} {self.path} host={self.headers['host']} fwd={self.headers['x-forwarded-host']} "
        payload = text.encode() + body
        self.send_response(201)
        self.send_header("content-length", str(len(payload)))
        self.send_header("x-app", "echo")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def call(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(go())


def test_health_is_503_until_the_app_runs_then_200() -> None:
    front = Front()
    assert call(front, "GET", f"http://m{HEALTH_PATH}").status_code == 503
    front.status = "running"
    response = call(front, "GET", f"http://m{HEALTH_PATH}")
    assert (response.status_code, response.text) == (200, "running\n")


def test_a_path_prefix_routes_to_its_endpoint_without_the_prefix(upstream: str) -> None:
    front = Front()
    front.served = {"api": upstream}
    response = call(front, "POST", "http://wc-env-1.fly.dev/api/items?x=1", content=b"payload")
    assert response.status_code == 201
    assert response.text.startswith("POST /items?x=1 host=127.0.0.1:")
    assert response.text.endswith("fwd=wc-env-1.fly.dev payload")
    assert response.headers["x-app"] == "echo"


def test_the_host_names_the_endpoint_longest_label_first(upstream: str) -> None:
    front = Front()
    front.served = {"api": "http://127.0.0.1:9", "api-2": upstream}
    response = call(front, "GET", "http://api-2-env-00001.wingcloud.app/hello")
    assert response.text.startswith("GET /hello ")


def test_no_such_endpoint_is_404_naming_the_ones_there_are() -> None:
    front = Front()
    front.served = {"api": "http://127.0.0.1:9"}
    response = call(front, "GET", "http://other.example/")
    assert response.status_code == 404
    assert "this app's endpoints: api" in response.text


def test_an_endpoint_that_does_not_answer_is_502_naming_it() -> None:
    front = Front()
    front.served = {"api": "http://127.0.0.1:9"}  # nothing listens on the discard port here
    response = call(front, "GET", "http://x/api/")
    assert response.status_code == 502
    assert response.text.startswith("endpoint api is not answering: ConnectError")
