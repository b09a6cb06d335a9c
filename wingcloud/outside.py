"""The local process's composition: which outside world it talks to, and the system built on it.

A service with credentials is called for real (`adapters.github`, `.flyio`, `.dns`); one without is the
simulator's fake, journaled in the data dir (`sim.embedded`), and a fake fly.io comes with the embedded
runtime that plays its machines' reports through the report door. This is the one place outside tests where
the production code meets the simulator's fakes: the CLI's composition root.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx

from adapters.dns import DnsimpleClient
from adapters.flyio import MachinesClient
from adapters.github import GitHubAppClient
from adapters.local.system import DEFAULT_RETRY, Outside, System, build_system
from adapters.settings import LocalSettings
from bus.retry import RetryPolicy
from ports import DNS, FlyIO, GitHub
from sim.embedded import EmbeddedOutside, open_outside
from sim.player import RuntimePlayer


def local_system(settings: LocalSettings, data_dir: Path, base_url: str, *, retry: RetryPolicy | None = None) -> System:
    """`wingcloud serve`'s system: SQLite in `data_dir`, the outside world its settings select."""
    data_dir.mkdir(parents=True, exist_ok=True)
    retry = retry or replace(DEFAULT_RETRY, maximum_attempts=settings.max_retries)
    outside, embedded = outside_world(settings, data_dir)
    system = build_system(settings, data_dir, base_url, outside, retry=retry)
    if embedded is not None and outside.described["flyio"] == "embedded":
        system.background.append(RuntimePlayer(embedded.flyio.fake, system.report, settings.runtime_step_seconds))
    return system


def outside_world(settings: LocalSettings, data_dir: Path) -> tuple[Outside, EmbeddedOutside | None]:
    """Real clients where credentials are set; otherwise the simulator's fakes, journaled in the data dir."""
    pem = settings.github_key_pem()
    real_github = bool(settings.github_app_id and pem)
    real_dns = bool(settings.dnsimple_token and settings.dnsimple_account_id)
    embedded = None
    if not (real_github and settings.fly_api_token and real_dns):
        embedded = open_outside(data_dir / "outside.sqlite3")
    described: dict[str, str] = {}
    github: GitHub
    flyio: FlyIO
    dns: DNS
    if settings.github_app_id and pem:
        github = GitHubAppClient(
            settings.github_app_id, pem, client=httpx.Client(timeout=10), base_url=settings.github_api_url
        )
        described["github"] = settings.github_api_url
    else:
        assert embedded is not None
        github, described["github"] = embedded.github, "embedded"
    if settings.fly_api_token:
        token = settings.fly_api_token.get_secret_value()
        flyio = MachinesClient(token, settings.fly_org, region=settings.fly_region, base_url=settings.fly_api_url)
        described["flyio"] = settings.fly_api_url
    else:
        assert embedded is not None
        flyio, described["flyio"] = embedded.flyio, "embedded"
    if settings.dnsimple_token and settings.dnsimple_account_id:
        token = settings.dnsimple_token.get_secret_value()
        dns = DnsimpleClient(token, settings.dnsimple_account_id, base_url=settings.dnsimple_api_url)
        described["dns"] = settings.dnsimple_api_url
    else:
        assert embedded is not None
        dns, described["dns"] = embedded.dns, "embedded"
    close = embedded.journal.close if embedded is not None else (lambda: None)
    return Outside(github, flyio, dns, described, close), embedded
