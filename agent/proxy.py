"""A streaming HTTP reverse proxy for the app's endpoints (ASGI, over httpx).

`wing it` serves each `cloud.Api` on its own random local port; users reach them through one stable address:
`wingcloud serve` routes `<label>-<app>.localhost` to the machine that serves it now, and on fly.io the agent
itself listens on one port and routes by path prefix (`/<label>/...`) or by the first part of the host name
(`<label>-env-00001.<zone>`, a CNAME the endpoints service made). HTTP only: no WebSocket upgrade.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx

# Hop-by-hop headers (RFC 9110 §7.6.1) are the connection's, not the message's: never forwarded.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Upstream:
    """Where one request goes: the endpoint's base URL and the path to ask it for."""

    name: str  # for messages: the endpoint's label
    base_url: str
    path: str


Resolve = Callable[[str, str], "Upstream | str"]  # (host, path) -> where, or why nowhere


class Proxy:
    """Forwards a request to what `resolve(host, path)` names, streaming both ways; `resolve` answers a
    message instead when no endpoint has that name (404)."""

    def __init__(self, resolve: Resolve, *, timeout: float = 60.0) -> None:
        self._resolve = resolve
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0), follow_redirects=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])
        host = headers.get(b"host", b"").decode("latin-1")
        where = self._resolve(host, scope["path"])
        if isinstance(where, str):
            await _text(send, 404, where)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        url = where.base_url.rstrip("/") + where.path + (f"?{query}" if query else "")
        forwarded = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP and k.lower() != b"host"]
        forwarded.append((b"x-forwarded-host", host.encode("latin-1")))
        has_body = b"content-length" in headers or b"transfer-encoding" in headers
        content = _body(receive) if has_body else None
        request = self._client.build_request(scope["method"], url, headers=forwarded, content=content)
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as error:
            await _text(send, 502, f"endpoint {where.name} is not answering: {type(error).__name__}: {error}")
            return
        try:
            out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.multi_items()]
            out = [(k, v) for k, v in out if k.lower() not in HOP_BY_HOP]
            await send({"type": "http.response.start", "status": response.status_code, "headers": out})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def _text(send: Send, status: int, text: str) -> None:
    body = (text + "\n").encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


HEALTH_PATH = "/.wingcloud/health"


class Front:
    """What the agent serves on its one public port (fly.io): `GET /.wingcloud/health` (200 once the app runs,
    503 before and after) and every endpoint of the app, by path prefix `/<label>/` or by host `<label>-...`."""

    def __init__(self) -> None:
        self.status = "deploying"
        self.served: dict[str, str] = {}  # label -> local URL
        self.proxy = Proxy(self.resolve)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == HEALTH_PATH:
            await _text(send, 200 if self.status == "running" else 503, self.status)
            return
        await self.proxy(scope, receive, send)

    def resolve(self, host: str, path: str) -> Upstream | str:
        served = dict(self.served)
        first, _, rest = path.lstrip("/").partition("/")
        if first in served:
            return Upstream(first, served[first], "/" + rest)
        name = host.split(".", 1)[0].split(":", 1)[0].lower()
        for label in sorted(served, key=len, reverse=True):  # `api-2` before `api`
            if name == label or name.startswith(label + "-"):
                return Upstream(label, served[label], path)
        known = ", ".join(sorted(served)) or "none yet"
        return f"no endpoint answers {host}{path} (this app's endpoints: {known}; status: {self.status})"
