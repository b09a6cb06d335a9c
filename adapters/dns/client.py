"""The `DNS` port over the dnsimple API v2: CNAME records of one zone, found by name.

Upsert and delete look the record up by its name first (`?name=` is an exact-match filter), so both are
idempotent: repeating them after a crash changes nothing.
"""

from __future__ import annotations

from typing import Any

import httpx

from ports.values import DnsEntry

API_URL = "https://api.dnsimple.com"
_TTL = 60
_PER_PAGE = 100


class DnsError(RuntimeError):
    """dnsimple answered a call with an unexpected status."""


class DnsimpleClient:
    """Implements `ports.DNS` for one dnsimple account."""

    def __init__(
        self, token: str, account_id: str, *, client: httpx.Client | None = None, base_url: str = API_URL
    ) -> None:
        self._http = client or httpx.Client(timeout=10.0)
        self._base = f"{base_url.rstrip('/')}/v2/{account_id}"
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def list_records(self, zone: str, name_like: str | None = None) -> list[DnsEntry]:
        filters = {"type": "CNAME"} if name_like is None else {"type": "CNAME", "name_like": name_like}
        return [_entry(zone, r) for r in self._records(zone, filters)]

    def upsert_record(self, entry: DnsEntry) -> None:
        found = self._records(entry.zone, {"name": entry.name, "type": entry.type})
        if not found:
            payload = {"name": entry.name, "type": entry.type, "content": entry.content, "ttl": _TTL}
            self._call("POST", f"/zones/{entry.zone}/records", {201}, payload=payload)
            return
        for record in found:
            if record.get("content") != entry.content:
                path = f"/zones/{entry.zone}/records/{record['id']}"
                self._call("PATCH", path, {200}, payload={"content": entry.content})

    def delete_record(self, zone: str, name: str) -> None:
        for record in self._records(zone, {"name": name}):
            self._call("DELETE", f"/zones/{zone}/records/{record['id']}", {204, 404})

    def _records(self, zone: str, filters: dict[str, str]) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {**filters, "page": str(page), "per_page": str(_PER_PAGE)}
            body = self._call("GET", f"/zones/{zone}/records", {200}, params=params).json()
            records.extend(body.get("data") or [])
            if page >= int((body.get("pagination") or {}).get("total_pages") or 1):
                return records
            page += 1

    def _call(
        self,
        method: str,
        path: str,
        ok: set[int],
        *,
        payload: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        response = self._http.request(method, self._base + path, headers=self._headers, json=payload, params=params)
        if response.status_code not in ok:
            raise DnsError(f"dnsimple {method} {path} answered {response.status_code}: {response.text[:300]}")
        return response


def _entry(zone: str, record: dict[str, Any]) -> DnsEntry:
    return DnsEntry(zone=zone, name=str(record["name"]), type=str(record["type"]), content=str(record["content"]))
