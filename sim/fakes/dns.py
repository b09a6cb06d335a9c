"""A fake dnsimple: CNAME records per zone."""

from __future__ import annotations

from ports import DnsEntry
from sim.fakes._calls import Recorder


class FakeDNS(Recorder):
    """Implements `ports.DNS` in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[tuple[str, str], DnsEntry] = {}

    def list_records(self, zone: str, name_like: str | None = None) -> list[DnsEntry]:
        self._record("list_records", zone, name_like)
        return [
            entry for (z, name), entry in self.records.items() if z == zone and (name_like is None or name_like in name)
        ]

    def upsert_record(self, entry: DnsEntry) -> None:
        self._record("upsert_record", entry)
        self.records[(entry.zone, entry.name)] = entry

    def delete_record(self, zone: str, name: str) -> None:
        self._record("delete_record", zone, name)
        self.records.pop((zone, name), None)

    def names(self, zone: str) -> list[str]:
        """Record names in `zone`, sorted; for assertions."""
        return sorted(name for (z, name) in self.records if z == zone)
