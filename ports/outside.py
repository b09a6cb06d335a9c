"""Ports to systems outside wing.cloud: GitHub, fly.io, DNS, KMS, blob storage, time and ids."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ports.values import BranchHead, CommentRef, DnsEntry, MachineSpec


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


class GitHub(Protocol):
    """The GitHub App: installation-scoped REST calls."""

    def upsert_pull_request_comment(
        self, installation_id: int, repository: str, pr_number: int, marker: str, body: str
    ) -> CommentRef:
        """Create the comment that contains `marker`, or update it in place; one per marker."""
        ...

    def update_webhook_url(self, url: str) -> None:
        """Point the App's webhook at `url` (the preflight side effect at start)."""
        ...

    def get_branch_head(self, installation_id: int, repository: str, branch: str) -> BranchHead | None:
        """The last commit of `branch` (GET /repos/{owner}/{repo}/branches/{branch}); None when it does not exist."""
        ...

    def installation_token(self, installation_id: int) -> str:
        """A short-lived token to clone the installation's repositories (GitHub's last an hour)."""
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
