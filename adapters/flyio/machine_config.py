"""The machine config a deployment runs with on fly.io: the runtime agent behind fly.io's proxy with TLS, its
health check, a restart policy, its size and a volume for its state.

Field names are fly.io's (`tests/fixtures/flyio/machines-openapi.json`, `fly.MachineConfig`); the contract
tests validate every body built here against that document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ports import MachineSpec

# The agent serves the app's endpoints (by path prefix `/<label>/`) and its health on this port; the
# Dockerfile EXPOSEs the same one.
PROXY_PORT = 8080
HEALTH_PATH = "/.wingcloud/health"  # the agent answers 200 once the app runs, 503 before
STATE_VOLUME = "wing_state"  # fly.io volume names: lowercase letters, digits and underscores, at most 30
STATE_PATH = "/data"


@dataclass(frozen=True)
class Guest:
    """A machine's size (fly.io's `guest`). The Wing simulator and node need 512 MB and more."""

    cpus: int = 1
    memory_mb: int = 1024
    cpu_kind: str = "shared"


def endpoint_url(app_name: str) -> str:
    """Where users reach an endpoint: the agent replaces `{label}` with each endpoint's label."""
    return f"https://{app_name}.fly.dev/{{label}}/"


def agent_env(spec: MachineSpec) -> dict[str, str]:
    """What the agent needs to know of fly.io on top of the deployment's own environment."""
    return {
        **spec.env,
        "WINGCLOUD_PROXY_PORT": str(PROXY_PORT),
        "WINGCLOUD_ENDPOINT_URL": endpoint_url(spec.app_name),
        "WINGCLOUD_WORK_DIR": f"{STATE_PATH}/work",
        "WINGCLOUD_CACHE_DIR": f"{STATE_PATH}/cache",
        # app secrets reach the machine as environment variables; the agent passes these names to the app
        "WINGCLOUD_SECRET_NAMES": ",".join(n for n in spec.secret_names if not n.startswith("WINGCLOUD_")),
    }


def health_check() -> dict[str, Any]:
    return {
        "type": "http",
        "port": PROXY_PORT,
        "method": "GET",
        "path": HEALTH_PATH,
        "interval": "15s",
        "timeout": "5s",
        "grace_period": "10s",
    }


def machine_config(spec: MachineSpec, volume_id: str, guest: Guest) -> dict[str, Any]:
    """`fly.MachineConfig` for one deployment, its state on `volume_id`."""
    return {
        "image": spec.image,
        "env": agent_env(spec),
        "metadata": dict(spec.metadata),
        "guest": {"cpu_kind": guest.cpu_kind, "cpus": guest.cpus, "memory_mb": guest.memory_mb},
        "services": [
            {
                "protocol": "tcp",
                "internal_port": PROXY_PORT,
                "autostop": "off",  # an environment serves until it is stopped
                "ports": [
                    {"port": 443, "handlers": ["tls", "http"]},
                    {"port": 80, "handlers": ["http"], "force_https": True},
                ],
                # fly.io's proxy routes only to a machine whose service checks pass: none before the app runs
                "checks": [health_check()],
            }
        ],
        "checks": {"agent": health_check()},
        # No restart. The agent reports `error` itself, with the exit status and the log's tail, when the app
        # dies; a restarted machine would deploy again, but reports never move an environment back from
        # `error` (services/environments/rules.py), so it would serve behind a status that says it does not.
        # A redeploy starts a new machine.
        "restart": {"policy": "no"},
        "mounts": [{"volume": volume_id, "path": STATE_PATH}],
    }
