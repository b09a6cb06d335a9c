"""Where a full workflow's CPU goes, service by service, in one process: the figures behind decision 0015.

    python benchmarks/services.py [--workflows 300] [--runs 3]

Each run builds the local system on a temporary data dir, with the embedded GitHub and fly.io and the simulated
runtime, and creates 25 apps on 25 repositories. It then stores N `pull_request.opened` deliveries, as the
webhook door does, and works them off as the server's worker does, with every report the fake machines send.

The CPU of each delivery is counted for the service it was for: its handler, the kernel around it, and the
sealing of what it publishes. The rest of the batches is shown apart: commits, trace rows, taking in arrivals.
No HTTP is involved, so these figures leave out the door; `benchmarks/ingest.py` measures the whole server.
Figures vary with the machine. They are for the record, not for tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the repository's packages, and the deliveries ingest.py sends

from pydantic import SecretStr

from adapters.local.system import System
from adapters.settings import LocalSettings
from benchmarks.ingest import APPS, repository
from benchmarks.ingest import pull_request_opened as body
from ports import Arrival
from services.apps import create_app
from sim.embedded import JournaledFlyIO
from wingcloud.outside import local_system


def work_off(system: System) -> None:
    """Run batches until none has work, then send every report the machines have, until they have none: a
    backlog, as the server's worker meets one."""
    flyio = system.outside.flyio
    assert isinstance(flyio, JournaledFlyIO), "the embedded fly.io plays the deployments"
    sent: Counter[str] = Counter()
    while True:
        while system.worker.run_once():
            pass
        reports = 0
        while (report := flyio.fake.take_report()) is not None:
            sent[report.deployment_id] += 1
            system.report(report, f"rep_{report.deployment_id}_{sent[report.deployment_id]}")
            reports += 1
        if not reports:
            return


def counting(system: System, cpu: Counter[str], deliveries: Counter[str]) -> None:
    """Count each delivery's CPU for its service (a wrapper on this system's worker only)."""
    worker = system.worker
    deliver: Callable[..., Any] = worker._deliver

    def timed(conn: Any, item: Any) -> Any:
        started = time.process_time()
        try:
            return deliver(conn, item)
        finally:
            cpu[item.service] += time.process_time() - started
            deliveries[item.service] += 1

    worker._deliver = timed  # type: ignore[method-assign]


def run(workflows: int) -> tuple[float, float, Counter[str], Counter[str]]:
    """(CPU seconds in all, CPU seconds in deliveries, CPU per service, deliveries per service)."""
    settings = LocalSettings(
        github_webhook_secret=SecretStr("bench"), api_token=SecretStr("bench"), runtime_step_seconds=0
    )
    with tempfile.TemporaryDirectory(prefix="wingcloud-services-") as folder:
        system = local_system(settings, Path(folder) / "data", "http://127.0.0.1:8080")
        system.start(background=False)
        try:
            for k in range(APPS):
                system.command(
                    "apps",
                    lambda ports, k=k: create_app("o", f"app{k}", repository(k), "master", "main.w", 1, ports),
                )
            work_off(system)
            for n in range(1, workflows + 1):
                delivery = f"bench-{n}"
                system.inbox.put(Arrival("webhook", delivery, "pull_request", body(n), delivery, datetime.now(UTC)))
            cpu: Counter[str] = Counter()
            deliveries: Counter[str] = Counter()
            counting(system, cpu, deliveries)
            started = time.process_time()
            work_off(system)
            total = time.process_time() - started
        finally:
            system.stop()
    return total, sum(cpu.values()), cpu, deliveries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="runs, reported as medians")
    args = parser.parse_args()
    n = args.workflows
    results = [run(n) for _ in range(args.runs)]
    per = [total / n * 1000 for total, _, _, _ in results]
    delivered = [inside / n * 1000 for _, inside, _, _ in results]
    print(
        f"{n} full workflows, {args.runs} runs: {statistics.median(per):.1f} ms of CPU each"
        f" (range {min(per):.1f}-{max(per):.1f}), i.e. {1000 / statistics.median(per):.0f} per CPU-second;"
        f" deliveries {statistics.median(delivered):.1f} ms, the rest of the batches"
        f" {statistics.median(per) - statistics.median(delivered):.1f} ms"
    )
    services = sorted({s for _, _, cpu, _ in results for s in cpu}, key=lambda s: -results[0][2][s])
    print(f"{'service':15s} {'ms/workflow':>12s} {'share':>6s} {'deliveries/workflow':>20s}")
    for service in services:
        ms = statistics.median(cpu[service] / n * 1000 for _, _, cpu, _ in results)
        share = statistics.median(cpu[service] / inside for _, inside, cpu, _ in results)
        count = statistics.median(deliveries[service] / n for _, _, _, deliveries in results)
        print(f"{service:15s} {ms:12.2f} {share:6.0%} {count:20.1f}")


if __name__ == "__main__":
    main()
