"""Public DNS names of running environments: `<label>-<env>.<zone>` CNAMEs to where the runtime serves."""

from __future__ import annotations

from urllib.parse import urlsplit

from events import EndpointsChanged, EnvironmentStatusChanged, EnvironmentStopped, Event
from events.models import DnsRecord, EnvironmentStatus
from ports import DnsEntry, Ports


def record_suffix(environment_id: str) -> str:
    """Every record of an environment ends with this: `-env-00001`."""
    return "-" + environment_id.replace("_", "-").lower()


def reconcile_endpoints(event: EnvironmentStatusChanged, ports: Ports) -> list[Event]:
    """On running, make the zone hold exactly the reported endpoints of the environment."""
    if event.status != EnvironmentStatus.running or ports.retired_names.retired(event.environment_id):
        return []  # not running, or the stop overtook this event: never resurrect names of a stopped environment
    zone, suffix = ports.settings.dns_zone, record_suffix(event.environment_id)
    wanted = {
        f"{e.label}{suffix}": DnsEntry(zone, f"{e.label}{suffix}", "CNAME", urlsplit(e.url).hostname or e.url)
        for e in event.endpoints
    }
    existing = {r.name: r for r in ports.dns.list_records(zone, name_like=suffix) if r.name.endswith(suffix)}
    if existing == wanted:
        return []
    for name in existing.keys() - wanted.keys():
        ports.dns.delete_record(zone, name)
    for name, entry in wanted.items():
        if existing.get(name) != entry:
            ports.dns.upsert_record(entry)
    records = [
        DnsRecord(label=e.label, hostname=f"{e.label}{suffix}.{zone}", target_url=e.url) for e in event.endpoints
    ]
    return [_changed(event, records)]


def remove_endpoints(event: EnvironmentStopped, ports: Ports) -> list[Event]:
    """On stop, delete every record of the environment, and refuse to create them again."""
    ports.retired_names.retire(event.environment_id)
    zone, suffix = ports.settings.dns_zone, record_suffix(event.environment_id)
    doomed = [r.name for r in ports.dns.list_records(zone, name_like=suffix) if r.name.endswith(suffix)]
    for name in doomed:
        ports.dns.delete_record(zone, name)
    return [_changed(event, [])] if doomed else []


def _changed(event: EnvironmentStatusChanged | EnvironmentStopped, records: list[DnsRecord]) -> EndpointsChanged:
    return EndpointsChanged(
        environment_id=event.environment_id,
        app_id=event.app_id,
        provider=event.provider,
        type=event.type,
        repository=event.repository,
        pr_number=event.pr_number,
        records=records,
    )
