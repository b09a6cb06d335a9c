"""Ports to systems outside wing.cloud: code hosts (GitHub, GitLab), fly.io, DNS, KMS, blob storage, time and ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ports.values import BranchHead, CloneAccess, CommentRef, DnsEntry, MachineSpec


class FlyIOError(RuntimeError):
    """fly.io refused a request (a 4xx: bad name, quota, invalid image); retrying the same call cannot help.

    Transient failures (network, 5xx) must raise something else so the bus retries the handler.
    """


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class Ids(Protocol):
    def new(self, prefix: str) -> str:
        """A new unique id such as `env_1b9d4e2f` (prefix + '_' + lowercase base36/hex)."""
        ...


class CodeHost(Protocol):
    """A provider of git repositories (GitHub, GitLab): what creating an app and deploying a commit need of it,
    whichever provider holds the repository. `installation_id` is the account wing.cloud acts through there."""

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        """The last commit of `branch`; None when the repository or the branch does not exist."""
        ...

    def clone_access(self, installation_id: int, repository: str) -> CloneAccess:
        """The HTTPS URL a deployment clones `repository` from, and a short-lived token to clone it with."""
        ...


class UnknownProviderError(LookupError):
    """No code host of this name is known; says which are."""

    def __init__(self, provider: str, known: tuple[str, ...]) -> None:
        super().__init__(f"provider {provider!r} is not one of {', '.join(known)}")
        self.provider = provider
        self.known = known

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class CodeHosts:
    """The code hosts by provider name (the `provider` of apps and events): the one place that maps a provider
    to its client, so that the services that only read branches and clone (apps, runtime) name no provider."""

    hosts: Mapping[str, CodeHost]

    def get(self, provider: str) -> CodeHost:
        """The code host of `provider`; raises UnknownProviderError naming the known ones."""
        host = self.hosts.get(provider)
        if host is None:
            raise UnknownProviderError(provider, self.names())
        return host

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.hosts))


class GitHub(CodeHost, Protocol):
    """The GitHub App: installation-scoped REST calls."""

    def upsert_pull_request_comment(
        self, installation_id: int, repository: str, pr_number: int, marker: str, body: str
    ) -> CommentRef:
        """Create the comment that contains `marker`, or update it in place; one per marker."""
        ...

    def update_webhook_url(self, url: str) -> None:
        """Point the App's webhook at `url` (the preflight side effect at start)."""
        ...

    def installation_token(self, installation_id: int) -> str:
        """A short-lived token to clone the installation's repositories (GitHub's last an hour)."""
        ...


class GitLab(CodeHost, Protocol):
    """A GitLab instance, through one access token: its projects are addressed by id (`installation_id`)."""

    def upsert_merge_request_note(
        self, project_id: int, repository: str, mr_iid: int, marker: str, body: str
    ) -> CommentRef:
        """Create the note on merge request `mr_iid` that contains `marker`, or update it in place; one per marker."""
        ...


class FlyIO(Protocol):
    """fly.io Machines API. Every call is idempotent on its names."""

    def ensure_app(self, app_name: str) -> None: ...

    def set_secrets(self, app_name: str, secrets: dict[str, str]) -> None: ...

    def run_machine(self, spec: MachineSpec, idempotency_key: str) -> str:
        """Start a machine; returns its id. The same key returns the same machine."""
        ...

    def destroy_machine(self, app_name: str, machine_id: str) -> None:
        """Stop (forcibly) and delete one machine, freeing what it held (its volume); a missing one is fine."""
        ...

    def destroy_app(self, app_name: str) -> None:
        """Delete the app and its machines; a missing app is not an error."""
        ...


class DNS(Protocol):
    """dnsimple: CNAME records in one zone."""

    def list_records(self, zone: str, name_like: str | None = None) -> list[DnsEntry]:
        """The zone's CNAME records; with `name_like`, only those whose name contains it (dnsimple's `name_like`
        filter: one environment's records without reading the whole zone)."""
        ...

    def upsert_record(self, entry: DnsEntry) -> None: ...

    def delete_record(self, zone: str, name: str) -> None:
        """Delete by name; a missing record is not an error."""
        ...


class KeyService(Protocol):
    """KMS stand-in: envelope encryption of data keys."""

    def generate_data_key(self) -> tuple[bytes, bytes]:
        """(plaintext 32-byte key, wrapped key to store)."""
        ...

    def unwrap(self, wrapped: bytes) -> bytes: ...


class BlobStore(Protocol):
    def append(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every blob under prefix; return how many."""
        ...
