"""Endpoints: DNS records reconciled with a running environment's endpoints, removed on stop."""

from __future__ import annotations

from events import EndpointsChanged, EnvironmentStatusChanged, EnvironmentStopped
from ports import DnsEntry
from services.endpoints import reconcile_endpoints, remove_endpoints
from sim.fakes import Fakes
from tests.builders import SHA_A, a_preview_event

ZONE = "wingcloud.test"


def running(*endpoints: tuple[str, str], status: str = "running") -> EnvironmentStatusChanged:
    return a_preview_event(
        EnvironmentStatusChanged,
        deployment_id="dep_1",
        sha=SHA_A,
        previous_status="running-server",
        status=status,
        test_results=[],
        endpoints=[{"label": label, "url": url} for label, url in endpoints],
        error_message=None,
    )


STOPPED = a_preview_event(EnvironmentStopped, deployment_id="dep_1", reason="pull-request-closed")
WEB = ("website", "https://wc-env-1.fly.dev/")
API = ("api", "https://wc-env-1.fly.dev/api")


def test_running_creates_one_cname_per_endpoint() -> None:
    fakes = Fakes()
    [changed] = reconcile_endpoints(running(WEB, API), fakes.ports())
    assert isinstance(changed, EndpointsChanged)
    assert [(r.label, r.hostname, r.target_url) for r in changed.records] == [
        ("website", "website-env-1.wingcloud.test", "https://wc-env-1.fly.dev/"),
        ("api", "api-env-1.wingcloud.test", "https://wc-env-1.fly.dev/api"),
    ]
    assert fakes.dns.records[(ZONE, "website-env-1")] == DnsEntry(ZONE, "website-env-1", "CNAME", "wc-env-1.fly.dev")
    assert fakes.dns.names(ZONE) == ["api-env-1", "website-env-1"]


def test_an_unchanged_set_writes_nothing_and_publishes_nothing() -> None:
    fakes = Fakes()
    reconcile_endpoints(running(WEB), fakes.ports())
    writes = len(fakes.dns.called("upsert_record"))
    assert reconcile_endpoints(running(WEB), fakes.ports()) == []
    assert len(fakes.dns.called("upsert_record")) == writes


def test_endpoints_gone_from_the_report_are_deleted_and_others_kept() -> None:
    fakes = Fakes()
    fakes.dns.upsert_record(DnsEntry(ZONE, "website-env-2", "CNAME", "wc-env-2.fly.dev"))
    reconcile_endpoints(running(WEB, API), fakes.ports())
    reconcile_endpoints(running(WEB), fakes.ports())
    assert fakes.dns.names(ZONE) == ["website-env-1", "website-env-2"]


def test_other_statuses_touch_nothing() -> None:
    fakes = Fakes()
    assert reconcile_endpoints(running(WEB, status="error"), fakes.ports()) == []
    assert fakes.dns.calls == []


def test_stop_removes_the_records_and_a_late_running_cannot_bring_them_back() -> None:
    fakes = Fakes()
    reconcile_endpoints(running(WEB, API), fakes.ports())
    [changed] = remove_endpoints(STOPPED, fakes.ports())
    assert isinstance(changed, EndpointsChanged) and changed.records == []
    assert fakes.dns.names(ZONE) == []
    assert reconcile_endpoints(running(WEB, API), fakes.ports()) == []
    assert fakes.dns.names(ZONE) == []
    assert remove_endpoints(STOPPED, fakes.ports()) == []  # nothing left to remove
