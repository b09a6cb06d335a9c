"""The local process's composition: which outside world it talks to, and the system built on it.

A service with credentials is called for real (`adapters.github`, `.gitlab`, `.flyio`, `.dns`); one without is the
simulator's fake, journaled in the data dir (`sim.embedded`), and a fake fly.io comes with the embedded
runtime that plays its machines' reports through the report door. This is the one place outside tests where
the production code meets the simulator's fakes: the CLI's composition root.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from adapters.dns import DnsimpleClient
from adapters.flyio import MachinesClient
from adapters.flyio.machine_config import Guest
from adapters.github import GitHubAppClient
from adapters.gitlab import GitLabClient
from adapters.local.machines import LocalMachines
from adapters.local.repos import LocalReposGitHub, LocalReposGitLab, LocalRepositories
from adapters.local.runtime import LocalRuntime
from adapters.local.system import DEFAULT_RETRY, Outside, System, build_system
from adapters.settings import LocalSettings
from bus.retry import RetryPolicy
from ports import DNS, FlyIO, GitHub, GitLab
from sim.embedded import EmbeddedOutside, open_outside
from sim.player import RuntimePlayer
from wingcloud.tools import find as find_tool


class RuntimeChoiceError(ValueError):
    """The runtime asked for cannot run here; says what is missing."""


@dataclass(frozen=True)
class RuntimeChoice:
    name: str  # local | flyio | simulated
    why: str  # for the banner


def choose_runtime(settings: LocalSettings, node: str | None) -> RuntimeChoice:
    """`WINGCLOUD_RUNTIME`, with `auto` resolved: fly.io with its credentials, local when there is code to clone
    and node to run it, else simulated. A runtime asked for by name that cannot work is an error."""
    code = "local repositories" if settings.local_repos else ("GitHub App" if settings.github_app_id else None)
    if settings.runtime == "flyio" or (settings.runtime == "auto" and settings.fly_api_token):
        if settings.fly_api_token is None:
            raise RuntimeChoiceError("WINGCLOUD_RUNTIME=flyio needs WINGCLOUD_FLY_API_TOKEN (and WINGCLOUD_FLY_ORG)")
        return RuntimeChoice("flyio", f"fly.io machines in org {settings.fly_org}")
    if settings.runtime == "local":
        if node is None:
            raise RuntimeChoiceError("WINGCLOUD_RUNTIME=local needs node 20 or newer on the PATH to run Wing apps")
        return RuntimeChoice("local", f"deployments run on this machine (node at {node})")
    if settings.runtime == "simulated":
        return RuntimeChoice("simulated", "scripted reports, nothing runs (WINGCLOUD_RUNTIME=simulated)")
    if code is None:
        return RuntimeChoice(
            "simulated", "nothing runs: no code to clone (give --repos DIR, or GitHub App credentials, to run apps)"
        )
    if node is None:
        return RuntimeChoice("simulated", "nothing runs: node is not installed (Wing apps need node 20 or newer)")
    return RuntimeChoice("local", f"deployments run on this machine: code from {code}, node at {node}")


def local_system(settings: LocalSettings, data_dir: Path, base_url: str, *, retry: RetryPolicy | None = None) -> System:
    """`wingcloud serve`'s system: SQLite in `data_dir`, the outside world its settings select."""
    data_dir.mkdir(parents=True, exist_ok=True)
    retry = retry or replace(DEFAULT_RETRY, maximum_attempts=settings.max_retries)
    if settings.local_repos is not None and not settings.local_repos.is_dir():
        raise RuntimeChoiceError(f"the local repositories folder {settings.local_repos} does not exist")
    choice = choose_runtime(settings, find_tool("node"))
    outside, embedded = outside_world(settings, data_dir, base_url, choice)
    system = build_system(settings, data_dir, base_url, outside, retry=retry)
    if choice.name == "simulated" and embedded is not None:
        system.background.append(RuntimePlayer(embedded.flyio.fake, system.report, settings.runtime_step_seconds))
    if outside.machines is not None:
        system.background.append(LocalRuntime(outside.machines, lambda: system))
    return system


def outside_world(
    settings: LocalSettings, data_dir: Path, base_url: str, choice: RuntimeChoice
) -> tuple[Outside, EmbeddedOutside | None]:
    """Real clients where credentials are set; otherwise the simulator's fakes, journaled in the data dir. The
    runtime is `choice`'s: fly.io's API, machines on this machine, or the embedded fake."""
    pem = settings.github_key_pem()
    real_github = bool(settings.github_app_id and pem)
    real_dns = bool(settings.dnsimple_token and settings.dnsimple_account_id)
    embedded = None
    if not (real_github and settings.gitlab_token and choice.name != "simulated" and real_dns):
        embedded = open_outside(data_dir / "outside.sqlite3")
    described: dict[str, str] = {}
    github: GitHub
    flyio: FlyIO
    dns: DNS
    repos = LocalRepositories(settings.local_repos.resolve()) if settings.local_repos else None
    if settings.github_app_id and pem:
        github = GitHubAppClient(
            settings.github_app_id, pem, client=httpx.Client(timeout=10), base_url=settings.github_api_url
        )
        described["github"] = settings.github_api_url
    elif repos is not None:
        assert embedded is not None
        github, described["github"] = (
            LocalReposGitHub(embedded.github, repos),
            f"embedded, repositories in {repos.root}",
        )
    else:
        assert embedded is not None
        github, described["github"] = embedded.github, "embedded"
    gitlab: GitLab
    if settings.gitlab_token is not None:
        token = settings.gitlab_token.get_secret_value()
        gitlab = GitLabClient(token, base_url=settings.gitlab_url, client=httpx.Client(timeout=10))
        described["gitlab"] = settings.gitlab_url
    elif repos is not None:
        assert embedded is not None
        gitlab, described["gitlab"] = (
            LocalReposGitLab(embedded.gitlab, repos),
            f"embedded, repositories in {repos.root}",
        )
    else:
        assert embedded is not None
        gitlab, described["gitlab"] = embedded.gitlab, "embedded"
    machines = None
    if choice.name == "flyio":
        assert settings.fly_api_token is not None
        token = settings.fly_api_token.get_secret_value()
        guest = Guest(settings.fly_guest_cpus, settings.fly_guest_memory_mb, settings.fly_guest_cpu_kind)
        flyio = MachinesClient(
            token,
            settings.fly_org,
            region=settings.fly_region,
            guest=guest,
            volume_gb=settings.fly_volume_gb,
            base_url=settings.fly_api_url,
        )
    elif choice.name == "local":
        port = urlsplit(base_url).port or 80
        machines = LocalMachines(
            data_dir / "machines",
            endpoint_url=f"http://{{label}}-{{app}}.localhost:{port}/",
            clone_from=repos.clone_url if repos is not None else lambda repository: None,
            environment={"WINGCLOUD_WING": wing} if (wing := settings.wing or find_tool("wing")) else {},
        )
        flyio = machines
    else:
        assert embedded is not None
        flyio = embedded.flyio
    described["runtime"] = f"{choice.name} ({choice.why})"
    if settings.dnsimple_token and settings.dnsimple_account_id:
        token = settings.dnsimple_token.get_secret_value()
        dns = DnsimpleClient(token, settings.dnsimple_account_id, base_url=settings.dnsimple_api_url)
        described["dns"] = settings.dnsimple_api_url
    else:
        assert embedded is not None
        dns, described["dns"] = embedded.dns, "embedded"
    close = embedded.journal.close if embedded is not None else (lambda: None)
    reset = embedded.reset if embedded is not None else (lambda: None)
    hold = embedded.journal.held if embedded is not None else nullcontext
    return Outside(github, flyio, dns, described, close, machines, reset, gitlab=gitlab, hold=hold), embedded
