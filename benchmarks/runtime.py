"""Seconds from a webhook to a live Wing app through `wingcloud serve` (local runtime), beside the same steps
done by hand in the same run.

    python benchmarks/runtime.py [--rounds 3]

By hand: `git clone` the repository, `wing test main.w`, `wing it --no-open` until the app's endpoint answers.
wingcloud: a signed `pull_request.opened` webhook until the preview's public URL answers with the new response
(through every service: github ingress, environments, runtime, the agent, reports, endpoints), then a
`synchronize` (a redeploy of the same environment) until the URL answers with the next response. Rounds
alternate which goes first. Needs git, node and winglang (`(cd tools/wing && npm ci)`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the test bench lives in the repository's tests

from tests.adapters.local.runtime_bench import RuntimeBench, app_source
from wingcloud import tools


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def by_hand(wing: str, repo: Path, work: Path, expected: str) -> float:
    """clone, test, serve until the endpoint answers `expected`; seconds."""
    shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(["git", "clone", "--quiet", str(repo), str(work)], check=True)
    subprocess.run([wing, "test", "main.w"], cwd=work, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [wing, "it", "--no-open", "-p", str(port), "main.w"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                state = httpx.get(f"http://127.0.0.1:{port}/trpc/app.state", timeout=2).json()["result"]["data"]
                if state == "success":
                    listed = httpx.get(f"http://127.0.0.1:{port}/trpc/endpoint.list?input={quote('null')}", timeout=2)
                    url = listed.json()["result"]["data"][0]["url"]
                    if httpx.get(url, timeout=5).text == expected:
                        return time.perf_counter() - started
            except (httpx.HTTPError, KeyError, IndexError, ValueError):
                pass
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=20)


def answers(bench: RuntimeBench, url: str, expected: str) -> bool:
    try:
        return bench.get(url).text == expected
    except httpx.HTTPError:
        return False


def through_wingcloud(bench: RuntimeBench, branch: str, number: int) -> tuple[float, float]:
    """(webhook -> preview answers, synchronize -> preview answers the next response); seconds."""
    first, second = f"hello from {branch}", f"hello again from {branch}"
    sha = bench.commit(app_source(first), branch=branch)
    started = time.perf_counter()
    bench.webhook("pull_request.opened", branch, sha, number=number)
    url = None
    while url is None or not answers(bench, url, first):
        env = bench.environment(branch=branch)
        if env and env["status"] == "error":
            raise SystemExit(f"the deployment failed: {env['error_message']}")
        url = env["url"] if env and env["status"] == "running" else None
        time.sleep(0.05)
    opened = time.perf_counter() - started
    sha = bench.commit(app_source(second), branch=branch)
    started = time.perf_counter()
    bench.webhook("pull_request.synchronize", branch, sha, number=number)
    while not answers(bench, url, second):
        time.sleep(0.05)
    return opened, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    wing = tools.require("wing", "to run Wing apps")
    with tempfile.TemporaryDirectory(prefix="wingcloud-runtime-bench-") as tmp:
        bench = RuntimeBench(Path(tmp), wing)
        bench.commit(app_source("hello from main"))
        bench.start()
        try:
            bench.create_app()  # production, and a first run of everything (caches, imports): not measured
            bench.settled("main")
            hand: list[float] = []
            opened: list[float] = []
            redeployed: list[float] = []
            for n in range(args.rounds):
                branch = f"bench-{n}"
                hand_first = n % 2 == 0
                if hand_first:
                    hand.append(by_hand(wing, bench.repo, Path(tmp) / "by-hand", "hello from main"))
                first, again = through_wingcloud(bench, branch, n + 1)
                opened.append(first)
                redeployed.append(again)
                if not hand_first:
                    hand.append(by_hand(wing, bench.repo, Path(tmp) / "by-hand", "hello from main"))
                print(
                    f"round {n + 1}: by hand {hand[-1]:.2f} s; webhook -> live {first:.2f} s "
                    f"({first / hand[-1]:.2f}x); redeploy -> live {again:.2f} s ({again / hand[-1]:.2f}x)",
                    flush=True,
                )
                bench.webhook("pull_request.closed", branch, "0" * 40, number=n + 1)
        finally:
            bench.stop()
    h, o, r = statistics.median(hand), statistics.median(opened), statistics.median(redeployed)
    print(
        json.dumps(
            {
                "rounds": args.rounds,
                "by_hand_s": round(h, 2),
                "webhook_to_live_s": round(o, 2),
                "redeploy_to_live_s": round(r, 2),
                "webhook_ratio": round(o / h, 2),
                "redeploy_ratio": round(r / h, 2),
                "targets": {"webhook": "<= 1.5x (goal 1.2x)", "redeploy": "<= 1.2x"},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
