"""fly.io on this machine: `LocalMachines` implements the `FlyIO` port by running the runtime agent
(`python -m agent`) as a child process per deployment, the way a fly.io machine runs the runtime image.

- A "fly app" is a folder per environment; a "machine" is an agent in its own process group, whose children
  (`wing it`, node) share its group, so that stopping a machine stops its whole process tree.
- A redeploy starts the new machine beside the old one; the runtime service destroys the old one once the new
  one has settled (running or failed): the environment's URL answers all along when it can.
- Every process started here carries `WINGCLOUD_MACHINES=<this folder>` in its environment: after a crash of
  the server (`kill -9`), `reap()` finds and stops what is left, so nothing outlives the server unseen.
- Endpoints: an agent reports public URLs made from `endpoint_url` (`http://<label>-<app>.localhost:<port>/`),
  which stay the same across redeploys; `route()` tells the proxy where each one is served right now.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.steps import die_with_parent
from ports import MachineSpec

log = logging.getLogger("wingcloud.machines")
MARK = "WINGCLOUD_MACHINES"


@dataclass
class Machine:
    id: str
    app: str
    deployment: str
    folder: Path
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)

    def status(self) -> dict[str, Any]:
        """What the agent last wrote of itself (status, the endpoints it serves)."""
        try:
            loaded: dict[str, Any] = json.loads((self.folder / "status.json").read_text())
            return loaded
        except (FileNotFoundError, ValueError):
            return {}


class LocalMachines:
    """Implements `ports.FlyIO` with child processes; `route(host)` serves the endpoint proxy."""

    def __init__(
        self,
        root: Path,
        *,
        endpoint_url: str,
        clone_from: Callable[[str], str | None] = lambda repository: None,
        environment: dict[str, str] | None = None,
        python: str = sys.executable,
    ) -> None:
        """`endpoint_url`: a template with `{label}` and `{app}`; `clone_from(owner/name)`: a local path to
        clone from, or None for GitHub; `environment`: more variables for every agent (the wing to use)."""
        self.root = root
        self._endpoint_url, self._clone_from = endpoint_url, clone_from
        self._environment, self._python = environment or {}, python
        self._secrets: dict[str, dict[str, str]] = {}
        self._machines: dict[str, list[Machine]] = {}  # app -> machines, oldest first
        self._by_key: dict[str, Machine] = {}
        self._lock = threading.RLock()
        # Children are started by one long-lived thread: Linux kills a child with PDEATHSIG when the *thread*
        # that started it ends, and a request's thread does not live long.
        self._spawns: queue.Queue[tuple[list[str], dict[str, str], Path, Future[subprocess.Popen[bytes]]] | None]
        self._spawns = queue.Queue()
        self._spawner = threading.Thread(target=self._spawn_loop, name="wingcloud-machines", daemon=True)
        root.mkdir(parents=True, exist_ok=True)
        self._spawner.start()

    # --- the FlyIO port -------------------------------------------------------------------------------------

    def ensure_app(self, app_name: str) -> None:
        (self.root / app_name).mkdir(parents=True, exist_ok=True)

    def set_secrets(self, app_name: str, secrets: dict[str, str]) -> None:
        """Kept in memory only: they reach the agent through its environment, never a file of ours."""
        with self._lock:
            self._secrets[app_name] = dict(secrets)

    def run_machine(self, spec: MachineSpec, idempotency_key: str) -> str:
        with self._lock:
            if idempotency_key in self._by_key:
                return self._by_key[idempotency_key].id
            deployment = spec.metadata.get("deployment_id", idempotency_key)
            folder = self.root / spec.app_name / deployment
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            secrets = self._secrets.get(spec.app_name, {})
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("WINGCLOUD_")},
                **self._environment,
                **spec.env,
                **secrets,
                MARK: str(self.root),
                "WINGCLOUD_WORK_DIR": str(folder),
                "WINGCLOUD_STATUS_FILE": str(folder / "status.json"),
                "WINGCLOUD_SECRET_NAMES": ",".join(sorted(n for n in secrets if not n.startswith("WINGCLOUD_"))),
                "WINGCLOUD_ENDPOINT_URL": self._endpoint_url.replace("{app}", spec.app_name),
            }
            source = self._clone_from(spec.env.get("GIT_REPO", ""))
            if source is not None:
                env["WINGCLOUD_GIT_URL"] = source
            process = self._spawn([self._python, "-m", "agent"], env, folder)
            machine = Machine(f"local-{process.pid}", spec.app_name, deployment, folder, process)
            self._machines.setdefault(spec.app_name, []).append(machine)
            self._by_key[idempotency_key] = machine
            log.info("started %s for %s (deployment %s)", machine.id, spec.app_name, deployment)
            return machine.id

    def destroy_machine(self, app_name: str, machine_id: str) -> None:
        """Stop one machine's process tree and remove its folder (the runtime retires a replaced deployment
        this way once its successor has settled)."""
        with self._lock:
            machines = self._machines.get(app_name, [])
            doomed = [m for m in machines if m.id == machine_id]
            self._machines[app_name] = [m for m in machines if m.id != machine_id]
        for machine in doomed:
            _stop(machine)
            shutil.rmtree(machine.folder, ignore_errors=True)  # its clone, build and state
            log.info(
                "retired %s of %s (deployment %s): a newer deployment replaced it",
                machine.id,
                app_name,
                machine.deployment,
            )

    def destroy_app(self, app_name: str) -> None:
        """Stop every machine of the app (process trees included) and forget it; a missing app is fine."""
        with self._lock:
            machines = self._machines.pop(app_name, [])
            self._secrets.pop(app_name, None)
        for machine in machines:
            _stop(machine)
        shutil.rmtree(self.root / app_name, ignore_errors=True)
        if machines:
            log.info("stopped %s", app_name)

    # --- endpoints ------------------------------------------------------------------------------------------

    def route(self, name: str) -> str | None:
        """Where `<label>-<app>` is served now: the newest machine of the app that serves that label."""
        with self._lock:
            apps = [(app, ms) for app, ms in self._machines.items() if name.endswith(f"-{app}")]
        for app, machines in apps:
            label = name[: -len(app) - 1]
            for machine in reversed(machines):
                for served in machine.status().get("served") or []:
                    if isinstance(served, dict) and served.get("label") == label and machine.process.poll() is None:
                        return str(served.get("url"))
        return None

    # --- lifecycle ------------------------------------------------------------------------------------------

    def reap(self) -> int:
        """Stop every process left by an earlier server on this folder (it died without stopping them)."""
        mine = f"{MARK}={self.root}".encode()
        stopped = 0
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                if mine in (entry / "environ").read_bytes().split(b"\0"):
                    os.kill(int(entry.name), signal.SIGKILL)
                    stopped += 1
            except (OSError, ValueError):
                continue
        if stopped:
            log.warning("stopped %d process(es) an earlier wingcloud serve left running", stopped)
        return stopped

    def stop_all(self) -> None:
        """Stop every machine, all at once (each may take its grace period)."""
        with self._lock:
            apps = list(self._machines)
        stoppers = [threading.Thread(target=self.destroy_app, args=(app,)) for app in apps]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        self._spawns.put(None)

    def machines(self, app_name: str) -> list[Machine]:
        with self._lock:
            return list(self._machines.get(app_name, []))

    # --- threads --------------------------------------------------------------------------------------------

    def _spawn(self, command: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
        done: Future[subprocess.Popen[bytes]] = Future()
        self._spawns.put((command, env, cwd, done))
        return done.result(timeout=30)

    def _spawn_loop(self) -> None:
        while (request := self._spawns.get()) is not None:
            command, env, cwd, done = request
            try:
                with open(cwd / "agent.log", "ab") as output:
                    process = subprocess.Popen(
                        command,
                        cwd=cwd,
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,  # its own process group: stopping it stops its tree
                        preexec_fn=die_with_parent,
                    )
            except Exception as error:
                done.set_exception(error)
            else:
                done.set_result(process)


def _stop(machine: Machine, grace: float = 10.0) -> None:
    """SIGTERM to the machine's process group, SIGKILL after `grace` seconds."""
    try:
        group = os.getpgid(machine.process.pid)
    except ProcessLookupError:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            return
        try:
            machine.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        time.sleep(0.1)  # let the group's other members take the signal too
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)  # whatever of the tree is left once the agent itself is gone
