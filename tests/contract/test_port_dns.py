"""The `DNS` port's contract, run against the simulator's fake and the real dnsimple client over an emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapters.dns import DnsError, DnsimpleClient
from ports import DNS, DnsEntry

ZONE = "wingcloud.test"


class DnsimpleEmulator:
    """Just enough of api.dnsimple.com/v2: zone records with name/type filters and pagination."""

    def __init__(self, per_page_cap: int = 100) -> None:
        self.records: dict[str, list[dict[str, Any]]] = {ZONE: [], "other.test": []}
        self.cap = per_page_cap
        self.requests: list[tuple[str, str]] = []
        self._next = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        assert request.headers["Authorization"] == "Bearer dns-token"
        parts = request.url.path.strip("/").split("/")  # v2 / account / zones / zone / records [/ id]
        assert parts[:3] == ["v2", "1010", "zones"]
        zone = self.records[parts[3]]
        if len(parts) == 5 and request.method == "GET":
            params = request.url.params
            rows = [r for r in zone if all(r[k] == params[k] for k in ("name", "type") if k in params)]
            rows = [r for r in rows if params.get("name_like", "") in r["name"]]
            per_page = min(int(params.get("per_page", "30")), self.cap)
            page = int(params.get("page", "1"))
            pages = max(1, -(-len(rows) // per_page))
            data = rows[(page - 1) * per_page : page * per_page]
            return httpx.Response(200, json={"data": data, "pagination": {"current_page": page, "total_pages": pages}})
        if len(parts) == 5:
            self._next += 1
            zone.append({"id": self._next, **json.loads(request.content)})
            return httpx.Response(201, json={"data": zone[-1]})
        record = next((r for r in zone if r["id"] == int(parts[5])), None)
        if record is None:
            return httpx.Response(404, json={"message": "Record not found"})
        if request.method == "DELETE":
            zone.remove(record)
            return httpx.Response(204)
        record.update(json.loads(request.content))
        return httpx.Response(200, json={"data": record})


@pytest.fixture
def emulator() -> DnsimpleEmulator:
    return DnsimpleEmulator()


@pytest.fixture
def real(emulator: DnsimpleEmulator) -> DnsimpleClient:
    return DnsimpleClient("dns-token", "1010", client=httpx.Client(transport=httpx.MockTransport(emulator.handle)))


def _fake() -> DNS:
    from sim.fakes import FakeDNS

    return FakeDNS()


@pytest.fixture(params=["fake", "real"])
def dns(request: pytest.FixtureRequest) -> DNS:
    factories: dict[str, Callable[[], DNS]] = {"fake": _fake, "real": lambda: request.getfixturevalue("real")}
    return factories[request.param]()


def _cname(name: str, content: str, zone: str = ZONE) -> DnsEntry:
    return DnsEntry(zone=zone, name=name, type="CNAME", content=content)


# --- the contract ------------------------------------------------------------------------------------------


def test_an_upserted_record_is_listed(dns: DNS) -> None:
    dns.upsert_record(_cname("web-env1", "wc-env1.fly.dev"))
    assert dns.list_records(ZONE) == [_cname("web-env1", "wc-env1.fly.dev")]


def test_upserting_again_replaces_the_content_in_place(dns: DNS) -> None:
    dns.upsert_record(_cname("web-env1", "old.fly.dev"))
    dns.upsert_record(_cname("web-env1", "new.fly.dev"))
    dns.upsert_record(_cname("web-env1", "new.fly.dev"))
    assert dns.list_records(ZONE) == [_cname("web-env1", "new.fly.dev")]


def test_delete_removes_only_that_name_and_is_idempotent(dns: DNS) -> None:
    dns.upsert_record(_cname("web-env1", "a.fly.dev"))
    dns.upsert_record(_cname("api-env1", "b.fly.dev"))
    dns.delete_record(ZONE, "web-env1")
    dns.delete_record(ZONE, "web-env1")
    dns.delete_record(ZONE, "never-there")
    assert dns.list_records(ZONE) == [_cname("api-env1", "b.fly.dev")]


def test_name_like_lists_only_the_names_containing_it(dns: DNS) -> None:
    for name in ("web-env-1", "api-env-1", "web-env-12", "web-env-2"):
        dns.upsert_record(_cname(name, "a.fly.dev"))
    dns.upsert_record(_cname("web-env-1", "a.fly.dev", zone="other.test"))
    assert sorted(r.name for r in dns.list_records(ZONE, name_like="-env-1")) == [
        "api-env-1",
        "web-env-1",
        "web-env-12",
    ]
    assert dns.list_records(ZONE, name_like="-env-3") == []
    assert len(dns.list_records(ZONE)) == 4


def test_zones_are_separate(dns: DNS) -> None:
    dns.upsert_record(_cname("web", "a.fly.dev", zone="other.test"))
    assert dns.list_records(ZONE) == []
    assert dns.list_records("other.test") == [_cname("web", "a.fly.dev", zone="other.test")]


# --- the real client against the emulator -----------------------------------------------------------------


def test_records_are_listed_across_pages(emulator: DnsimpleEmulator) -> None:
    emulator.cap = 2
    client = DnsimpleClient("dns-token", "1010", client=httpx.Client(transport=httpx.MockTransport(emulator.handle)))
    for i in range(5):
        client.upsert_record(_cname(f"web{i}", f"{i}.fly.dev"))
    assert [r.name for r in client.list_records(ZONE)] == [f"web{i}" for i in range(5)]


def test_other_record_types_are_not_listed_or_touched(real: DnsimpleClient, emulator: DnsimpleEmulator) -> None:
    emulator.records[ZONE].append({"id": 99, "name": "", "type": "NS", "content": "ns1.dnsimple.com"})
    real.upsert_record(_cname("web", "a.fly.dev"))
    assert real.list_records(ZONE) == [_cname("web", "a.fly.dev")]
    assert emulator.records[ZONE][0]["type"] == "NS"


def test_an_unchanged_record_is_not_written(real: DnsimpleClient, emulator: DnsimpleEmulator) -> None:
    real.upsert_record(_cname("web", "a.fly.dev"))
    emulator.requests.clear()
    real.upsert_record(_cname("web", "a.fly.dev"))
    assert [m for m, _ in emulator.requests] == ["GET"]


def test_an_error_status_names_the_call() -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(401, text="denied")))
    with pytest.raises(DnsError, match=r"GET /zones/wingcloud.test/records answered 401: denied"):
        DnsimpleClient("t", "1", client=http).list_records(ZONE)
