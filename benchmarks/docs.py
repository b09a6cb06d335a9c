"""How long `wingcloud docs build` takes: in-process (load the spec, traces and transition table, render
every page, compare with docs/) and as a fresh `wingcloud docs build --check` process.

    python benchmarks/docs.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from spec import SPEC_PATH
from wingcloud.docsgen import DOCS, TRACES
from wingcloud.docsgen.output import compare
from wingcloud.docsgen.site import load_inputs, render


def in_process(runs: int) -> list[float]:
    load_inputs(SPEC_PATH, TRACES)  # first call pays the imports
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        files = render(load_inputs(SPEC_PATH, TRACES))
        compare(DOCS, files)
        times.append(time.perf_counter() - started)
    return times


def fresh_process(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "wingcloud", "docs", "build", "--check"],
            check=False,
            capture_output=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    for name, times in [("in-process build", in_process(runs)), ("fresh process", fresh_process(runs))]:
        print(f"{name:>17}: median {statistics.median(times):.3f} s, min {min(times):.3f} s over {runs} runs")


if __name__ == "__main__":
    main()
