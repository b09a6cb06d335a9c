"""The local runtime beside `wingcloud serve`: real deployments as child processes (`LocalMachines`), their
endpoints behind one host-routed proxy, and the recovery of environments after a restart.

A machine's processes live and die with the server (they are its children). So after any restart, a
`kill -9` included, nothing runs: `reap()` stops whatever an earlier server left behind, and every environment
that claimed a live status is told the truth (`error`: the server stopped under it) and redeployed; the log
says so. Its URL stays the same, and answers again once the new deployment runs.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agent.proxy import Proxy, Upstream
from events import Event
from events.models import EnvironmentStatus
from ports import Ports, RuntimeReport

if TYPE_CHECKING:
    from adapters.local.machines import LocalMachines
    from adapters.local.system import System

log = logging.getLogger("wingcloud.runtime")
ENDPOINTS_PATH = "/endpoints/"  # the path form: http://127.0.0.1:8080/endpoints/<label>-<app>/...
LIVE = frozenset(
    {
        EnvironmentStatus.initializing,
        EnvironmentStatus.deploying,
        EnvironmentStatus.running_tests,
        EnvironmentStatus.running_server,
        EnvironmentStatus.tests_error,
        EnvironmentStatus.running,
    }
)
RESTARTED = "wingcloud serve stopped while this deployment ran, and its processes ended with it; redeploying"


class LocalRuntime:
    """A `Background` of the system: reaps and recovers at start, stops every machine at stop."""

    def __init__(self, machines: LocalMachines, system: Callable[[], System]) -> None:
        self.machines, self._system = machines, system
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.machines.reap()
        self._thread = threading.Thread(target=self.recover, name="wingcloud-recover", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.machines.stop_all()

    def recover(self, patience: float = 60.0) -> list[str]:
        """Environments that claimed a live status when the server stopped: report `error` for their
        deployment, then redeploy them (as their user could). Returns their ids."""
        system = self._system()
        stale = [e for e in system.ports.environments.list_all() if e.status in LIVE and e.deployment_id]
        for env in stale:
            assert env.deployment_id is not None
            report = RuntimeReport(env.id, env.deployment_id, EnvironmentStatus.error.value, error_message=RESTARTED)
            system.report(report, f"restart-{env.deployment_id}")
            log.warning("%s (%s) was %s when the server stopped: redeploying it", env.id, env.branch, env.status)
        deadline = time.monotonic() + patience
        waiting = {e.id for e in stale}
        while waiting and time.monotonic() < deadline:
            for env_id in list(waiting):
                now = system.ports.environments.get(env_id)
                if now is None or now.status == EnvironmentStatus.stopped:
                    waiting.discard(env_id)  # deleted or stopped meanwhile: nothing to redeploy
                elif now.status == EnvironmentStatus.error:
                    system.command("api", functools.partial(_redeploy, env_id))
                    waiting.discard(env_id)
            time.sleep(0.1)
        for env_id in waiting:
            log.error("%s did not reach error within %.0f s: redeploy it from the console", env_id, patience)
        return [e.id for e in stale]


def _redeploy(environment_id: str, ports: Ports) -> tuple[None, list[Event]]:
    from services.api import request_redeploy

    return None, request_redeploy(environment_id, "wingcloud serve", ports)


class EndpointProxy:
    """In front of the server's app: a request for `<label>-<app>.localhost` (or `/endpoints/<label>-<app>/`)
    goes to the machine serving that endpoint now; everything else goes on to the app."""

    def __init__(self, inner: Any, machines: LocalMachines) -> None:
        self._inner, self._machines = inner, machines
        self._proxy = Proxy(self._resolve)

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Any], send: Callable[..., Any]) -> None:
        if scope["type"] == "http" and self._endpoint_of(scope) is not None:
            await self._proxy(scope, receive, send)
            return
        await self._inner(scope, receive, send)

    def _endpoint_of(self, scope: dict[str, Any]) -> str | None:
        headers: dict[bytes, bytes] = dict(scope["headers"])
        host = headers.get(b"host", b"").decode("latin-1").split(":", 1)[0].lower()
        if host.endswith(".localhost"):
            return host.removesuffix(".localhost")
        path: str = scope["path"]
        if path.startswith(ENDPOINTS_PATH):
            return path[len(ENDPOINTS_PATH) :].split("/", 1)[0]
        return None

    def _resolve(self, host: str, path: str) -> Upstream | str:
        name = host.split(":", 1)[0].lower().removesuffix(".localhost")
        rest = path
        if not host.split(":", 1)[0].lower().endswith(".localhost"):
            name, _, rest = path[len(ENDPOINTS_PATH) :].partition("/")
            rest = "/" + rest
        url = self._machines.route(name)
        if url is None:
            return f"no running environment serves the endpoint {name} (at {datetime.now(UTC):%H:%M:%S} UTC)"
        return Upstream(name, url, rest)
