"""The `FlyIO` port over the fly.io Machines API (https://api.machines.dev/v1).

The Machines API documents no idempotency header, so idempotency rides on names: an app name is unique
across fly.io and a machine name is unique within its app. `run_machine` names the machine after its
idempotency key and looks for it before creating, so a retry after a crash finds the first machine.

A machine keeps its state on a volume named `wing_state`. A volume mounts on one machine at a time, so a
deployment takes a free one of the app's in its region (the one a crashed attempt created) or creates one.
Request shapes follow fly.io's OpenAPI description (`tests/fixtures/flyio/`).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from adapters.flyio.machine_config import STATE_VOLUME, Guest, machine_config
from ports import FlyIOError, MachineSpec

API_URL = "https://api.machines.dev"
_NOT_NAME = re.compile(r"[^a-z0-9-]+")


class FlyIOUnavailableError(RuntimeError):
    """fly.io failed in a way a retry may fix (a 5xx or 429); the bus retries the handler."""


def machine_name(idempotency_key: str) -> str:
    """The machine name that carries an idempotency key (fly.io names: lowercase, digits, dashes)."""
    return _NOT_NAME.sub("-", idempotency_key.lower()).strip("-")[:63] or "machine"


class MachinesClient:
    """Implements `ports.FlyIO` with one httpx.Client and an org-scoped API token."""

    def __init__(
        self,
        token: str,
        org_slug: str,
        *,
        region: str | None = None,
        guest: Guest = Guest(),
        volume_gb: int = 1,
        client: httpx.Client | None = None,
        base_url: str = API_URL,
    ) -> None:
        """`region`: where machines and their volumes go (a volume needs one); `guest`: the machine size."""
        self._org = org_slug
        self._region = region
        self._guest, self._volume_gb = guest, volume_gb
        self._secrets_version: dict[str, int] = {}  # app -> the version its last `set_secrets` made
        self._http = client or httpx.Client(timeout=30.0)
        self._base = base_url.rstrip("/") + "/v1"
        self._headers = {"Authorization": f"Bearer {token}"}

    def ensure_app(self, app_name: str) -> None:
        """Create the app unless it exists; a create that loses a race to another is fine."""
        if self._call("GET", f"/apps/{app_name}", {200, 404}).status_code == 200:
            return
        self._call("POST", "/apps", {201, 409, 422}, {"name": app_name, "org_slug": self._org})

    def set_secrets(self, app_name: str, secrets: dict[str, str]) -> None:
        """Set app secrets (names are case-sensitive); machines see them as environment variables at boot."""
        if secrets:
            response = self._call("POST", f"/apps/{app_name}/secrets", {200, 201}, {"values": dict(secrets)})
            answer = response.json() if response.content else None
            version = answer.get("version") if isinstance(answer, dict) else None
            if isinstance(version, int):
                self._secrets_version[app_name] = version

    def run_machine(self, spec: MachineSpec, idempotency_key: str) -> str:
        if not self._region:
            raise FlyIOError(
                f"no fly.io region is configured (WINGCLOUD_FLY_REGION): {spec.app_name!r} needs one for the "
                "volume that holds its state"
            )
        name = machine_name(idempotency_key)
        found = self._find_machine(spec.app_name, name)
        if found:
            return found
        volume_id = self._state_volume(spec.app_name, self._region)
        body: dict[str, Any] = {
            "name": name,
            "region": self._region,
            "config": machine_config(spec, volume_id, self._guest),
        }
        if spec.app_name in self._secrets_version:  # boot with the secrets just set, not an older version
            body["min_secrets_version"] = self._secrets_version[spec.app_name]
        response = self._call("POST", f"/apps/{spec.app_name}/machines", {200, 201, 409}, body)
        if response.status_code == 409:  # a concurrent create with our name won: it is our machine
            found = self._find_machine(spec.app_name, name)
            if found:
                return found
            raise FlyIOError(f"fly.io refused machine {name!r} in {spec.app_name!r} as a duplicate but lists none")
        return str(response.json()["id"])

    def destroy_machine(self, app_name: str, machine_id: str) -> None:
        """Force-stop and delete the machine; its volume is then free for the next deployment of the app."""
        self._call("DELETE", f"/apps/{app_name}/machines/{machine_id}?force=true", {200, 404})

    def destroy_app(self, app_name: str) -> None:
        self._call("DELETE", f"/apps/{app_name}", {200, 202, 204, 404})

    def _state_volume(self, app_name: str, region: str) -> str:
        """A free `wing_state` volume of the app in `region`, created when there is none."""
        for volume in self._call("GET", f"/apps/{app_name}/volumes", {200}).json():
            free = not volume.get("attached_machine_id") and "destroy" not in str(volume.get("state", ""))
            if volume.get("name") == STATE_VOLUME and volume.get("region") == region and free:
                return str(volume["id"])
        body = {"name": STATE_VOLUME, "region": region, "size_gb": self._volume_gb}
        return str(self._call("POST", f"/apps/{app_name}/volumes", {200, 201}, body).json()["id"])

    def _find_machine(self, app_name: str, name: str) -> str | None:
        for machine in self._call("GET", f"/apps/{app_name}/machines", {200}).json():
            if machine.get("name") == name:
                return str(machine["id"])
        return None

    def _call(self, method: str, path: str, ok: set[int], payload: dict[str, Any] | None = None) -> httpx.Response:
        response = self._http.request(method, self._base + path, headers=self._headers, json=payload)
        if response.status_code not in ok:
            message = f"fly.io {method} {path} answered {response.status_code}: {response.text[:300]}"
            if response.status_code >= 500 or response.status_code == 429:
                raise FlyIOUnavailableError(message)
            raise FlyIOError(message)
        return response
