"""`benchmarks/services.py` (the figures behind decision 0015) still runs, and counts every service's deliveries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_services_benchmark_attributes_each_delivery_to_its_service() -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/services.py", "--workflows", "4", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith("4 full workflows, 1 runs:"), done.stdout
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    # every service a preview's workflow passes through, each with its deliveries and a share of the CPU
    assert set(rows) == {"github", "environments", "runtime", "notifications", "endpoints", "logs", "usage"}
    for service, (ms, share, deliveries) in rows.items():
        assert float(ms) > 0 and share.endswith("%") and float(deliveries) >= 1, (service, rows[service])
    assert float(rows["runtime"][2]) == 6.0  # provision, four reports, retire: as the workflow is specified
