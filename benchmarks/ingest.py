"""Durable webhook ingestion of `wingcloud serve` on loopback, beside a bare uvicorn endpoint in the same run.

    python benchmarks/ingest.py [--requests 2000] [--connections 32] [--rounds 3] [--latency-samples 100]

1. Throughput: signed `pull_request` webhooks (distinct delivery ids and PR numbers over 25 apps, ~24 KB) over
   keep-alive connections; a 202 means the delivery is committed to SQLite. Each round first sends the same
   load to a bare uvicorn endpoint (same uvicorn, same settings) that reads the body and answers 200, then the
   burst to wingcloud, then waits until wingcloud has worked off the backlog. Rounds are reported one by one
   and as a median: on a shared machine one sub-second burst can be off by 2x. Both servers first get a short
   warm-up burst (not measured).
2. Latency: paced webhooks, each timed from send to its `EnvironmentDeployRequested` on the live SSE stream.
3. The drain's CPU: seconds of CPU the server process spent working off each backlog (from /proc), so a figure
   taken on a busy machine still says what one workflow costs. `--tree DIR` measures the `wingcloud serve` of
   another checkout (an older commit's worktree) with this script, for side-by-side comparisons.
Bounded request counts, loopback only. Figures vary with the machine; they are for the record, not for tests.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the repository's tests.fixtures holds the recorded payloads

from tests.fixtures import github_json

SECRET, TOKEN = "bench-secret", "bench-token"
BARE_APP = """
import uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json"), (b"content-length", b"11")]})
    await send({"type": "http.response.body", "body": b'{"ok":true}'})
uvicorn.run(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


APPS = 25  # previews spread over apps on distinct repositories, as real traffic is
WARM_UP = 200  # requests each server gets before anything is measured


def repository(n: int) -> str:
    return f"bench-org/repo-{n % APPS}"


def pull_request_opened(n: int) -> bytes:
    """The body of GitHub's `pull_request.opened` delivery for pull request `n`, on branch `bench-n` of the
    repository `repository(n)` (also what `benchmarks/services.py` stores)."""
    payload = github_json("pull_request.opened.json")
    payload["number"] = payload["pull_request"]["number"] = n
    for repo in (
        payload["repository"],
        payload["pull_request"]["head"]["repo"],
        payload["pull_request"]["base"]["repo"],
    ):
        repo["full_name"] = repository(n)
    payload["pull_request"]["head"]["ref"] = f"bench-{n}"
    return json.dumps(payload).encode()


def webhook(n: int, prefix: str) -> tuple[bytes, dict[str, str]]:
    body = pull_request_opened(n)
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": f"{prefix}-{n}",
        "X-Hub-Signature-256": signature,
        "Content-Type": "application/json",
    }
    return body, headers


def raw_request(port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    if len(parts) < 2:
        raise RuntimeError(f"unexpected response head: {head[:200]!r}")
    status = int(parts[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def blast(port: int, path: str, requests: list[bytes], connections: int) -> tuple[float, dict[int, int]]:
    """Send every request over `connections` keep-alive connections; (seconds, count per status)."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    statuses: dict[int, int] = {}

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not queue.empty():
            writer.write(queue.get_nowait())
            await writer.drain()
            status = await _read_response(reader)
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    return time.perf_counter() - started, statuses


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(cmd: list[str], env: dict[str, str], health: str, cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            httpx.get(health, timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{cmd} did not start")


def wait_quiet(url: str) -> None:
    """Until the server's backlog is worked off. A server that stops answering `/healthz` is named, not
    waited on: a hang is a finding (one was a deadlock in the collector's watch), not a slow drain."""
    while True:
        try:
            pending = httpx.get(f"{url}/healthz", timeout=30).json()["pending_deliveries"]
        except httpx.TimeoutException:
            raise SystemExit(f"{url}/healthz did not answer within 30 s: the server hangs") from None
        if not pending:
            return
        time.sleep(0.2)


async def latency(url: str, port: int, samples: int, pace: float) -> tuple[list[float], list[str]]:
    """Seconds from sending each webhook to its EnvironmentDeployRequested arriving on the SSE stream, and the
    wall-clock time (UTC) each was sent at."""
    sent: dict[str, float] = {}
    at: list[str] = []
    seen: dict[str, float] = {}
    async with (
        httpx.AsyncClient(timeout=None) as client,
        client.stream("GET", f"{url}/api/stream", headers={"Authorization": f"Bearer {TOKEN}"}) as stream,
    ):

        async def listen() -> None:
            async for line in stream.aiter_lines():
                if line.startswith("data: "):
                    entry = json.loads(line[6:])
                    if entry["detail_type"] == "EnvironmentDeployRequested":
                        seen.setdefault(entry["correlation_id"], time.perf_counter())
                        if len(seen) >= samples:
                            return

        listener = asyncio.create_task(listen())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for n in range(samples):
            body, headers = webhook(50_000 + n, "lat")
            sent[headers["X-GitHub-Delivery"]] = time.perf_counter()
            at.append(datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"))
            writer.write(raw_request(port, "/webhooks/github", body, headers))
            await writer.drain()
            assert await _read_response(reader) == 202
            await asyncio.sleep(pace)
        try:
            await asyncio.wait_for(listener, timeout=120)
        except TimeoutError:
            missing = sorted(set(sent) - set(seen))
            raise SystemExit(
                f"{len(missing)} of {samples} never reached EnvironmentDeployRequested: {missing[:5]}"
            ) from None
        writer.close()
    return [seen[k] - sent[k] for k in sent], at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="bursts, each compared with the bare endpoint before it")
    parser.add_argument("--latency-samples", type=int, default=100)
    parser.add_argument("--pace", type=float, default=0.2, help="seconds between latency samples")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose `wingcloud serve` is measured")
    args = parser.parse_args()
    tree = args.tree.resolve()
    data_dir = Path(tempfile.mkdtemp(prefix="wingcloud-bench-"))
    port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "WINGCLOUD_GITHUB_WEBHOOK_SECRET": SECRET,
        "WINGCLOUD_API_TOKEN": TOKEN,
        "WINGCLOUD_RUNTIME_STEP_SECONDS": "0",
        "PYTHONPATH": str(tree),
    }
    url = f"http://127.0.0.1:{port}"
    serve = start(
        [
            sys.executable,
            "-c",
            "from wingcloud.cli import main; main()",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env,
        f"{url}/healthz",
        cwd=tree,
    )
    bare = start([sys.executable, "-c", BARE_APP, str(bare_port)], env, f"http://127.0.0.1:{bare_port}/")
    try:
        for k in range(APPS):
            app = {
                "name": f"bench-{k}",
                "repository": repository(k),
                "default_branch": "master",
                "entrypoint": "main.w",
                "installation_id": 1,
            }
            httpx.post(f"{url}/api/apps", headers={"Authorization": f"Bearer {TOKEN}"}, json=app).raise_for_status()
        wait_quiet(url)
        bare_requests = [raw_request(bare_port, "/", *webhook(n, "bare")) for n in range(1, args.requests + 1)]
        print("warming up both servers...", file=sys.stderr, flush=True)  # a first burst on a cold process is slow
        warm = [raw_request(port, "/webhooks/github", *webhook(n, "warm")) for n in range(90_000, 90_000 + WARM_UP)]
        asyncio.run(blast(bare_port, "/", bare_requests[:WARM_UP], args.connections))
        asyncio.run(blast(port, "/webhooks/github", warm, args.connections))
        wait_quiet(url)
        rounds = [throughput_round(r, args, port, bare_port, url, bare_requests, serve.pid) for r in range(args.rounds)]
        print("latency phase...", file=sys.stderr, flush=True)
        collector_before = httpx.get(f"{url}/healthz", timeout=10).json().get("gc")
        delays, sent_at = asyncio.run(latency(url, port, args.latency_samples, args.pace))
        collector = httpx.get(f"{url}/healthz", timeout=10).json().get("gc")
    finally:
        serve.terminate()
        bare.terminate()
        serve.wait()
        bare.wait()
    report(args, rounds, delays, sent_at)
    collected(collector_before, collector)


@dataclass
class Round:
    rate: float  # durable webhooks/s
    bare_rate: float  # the bare endpoint just before, wingcloud idle
    drained: float  # seconds to work off the burst's backlog
    cpu: float  # CPU seconds the server spent from the burst's start to the end of its backlog
    statuses: dict[int, int]
    bare_statuses: dict[int, int]


def throughput_round(
    r: int, args: argparse.Namespace, port: int, bare_port: int, url: str, bare_requests: list[bytes], pid: int
) -> Round:
    """The bare endpoint, then wingcloud, then wingcloud's backlog worked off: the bare endpoint always runs
    while wingcloud is idle (during a drain it would share the two cores and look slower than it is)."""
    first = r * args.requests + 1
    requests = [
        raw_request(port, "/webhooks/github", *webhook(n, f"tp{r}")) for n in range(first, first + args.requests)
    ]
    print(f"round {r + 1}: throughput...", file=sys.stderr, flush=True)
    bare_took, bare_statuses = asyncio.run(blast(bare_port, "/", bare_requests, args.connections))
    cpu_before = cpu_seconds(pid)
    took, statuses = asyncio.run(blast(port, "/webhooks/github", requests, args.connections))
    print(f"round {r + 1}: sent in {took:.1f}s (bare {bare_took:.1f}s); draining...", file=sys.stderr, flush=True)
    drain_started = time.perf_counter()
    wait_quiet(url)
    drained = time.perf_counter() - drain_started
    cpu = cpu_seconds(pid) - cpu_before
    return Round(args.requests / took, args.requests / bare_took, drained, cpu, statuses, bare_statuses)


def report(args: argparse.Namespace, rounds: list[Round], delays: list[float], sent_at: list[str]) -> None:
    def total(counts: list[dict[int, int]]) -> dict[int, int]:
        return {k: sum(c.get(k, 0) for c in counts) for k in sorted({k for c in counts for k in c})}

    def spread(values: list[float], fmt: str) -> str:
        return f"median {fmt.format(statistics.median(values))} (range {fmt.format(min(values))}-{fmt.format(max(values))})"

    size = len(raw_request(0, "/", *webhook(1, "size"))) // 1024
    print(f"requests: {args.requests} x {size} KB over {args.connections} connections, loopback, {len(rounds)} rounds")
    for n, r in enumerate(rounds, 1):
        print(
            f"  round {n}: wingcloud {r.rate:6.0f}/s   bare {r.bare_rate:6.0f}/s   ratio {r.rate / r.bare_rate:4.0%}"
            f"   backlog worked off in {r.drained:.1f} s, {r.cpu:.1f} CPU s"
        )
    print(
        f"wingcloud serve  durable webhooks/s: {spread([r.rate for r in rounds], '{:.0f}')}   statuses {total([r.statuses for r in rounds])}"
    )
    print(
        f"bare uvicorn     200 responses/s:    {spread([r.bare_rate for r in rounds], '{:.0f}')}   statuses {total([r.bare_statuses for r in rounds])}"
    )
    print(
        f"ratio: {spread([r.rate / r.bare_rate for r in rounds], '{:.0%}')} of the bare endpoint measured just before"
    )
    end_to_end = [args.requests / (args.requests / r.rate + r.drained) for r in rounds]
    print(
        f"backlog: each burst's {args.requests} full workflows done at {spread(end_to_end, '{:.0f}')} webhooks/s end to end"
    )
    print(
        f"server CPU per full workflow (ingest + drain): {spread([r.cpu / args.requests * 1000 for r in rounds], '{:.1f}')} ms,"
        f" i.e. {spread([args.requests / r.cpu for r in rounds], '{:.0f}')} workflows per CPU-second"
    )
    ordered = sorted(delays)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(
        f"webhook -> EnvironmentDeployRequested ({len(delays)} samples, one every {args.pace}s): p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    slowest = sorted(range(len(delays)), key=lambda n: -delays[n])[:3]
    print("  slowest: " + ", ".join(f"sample {n + 1} {delays[n] * 1000:.1f} ms (sent {sent_at[n]})" for n in slowest))


def collected(before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """The server's garbage collector during the latency phase (`/healthz`), to tell its pauses from a spike."""
    if before is None or after is None:
        print("collector: not reported by this server's /healthz")
        return
    runs = [a - b for a, b in zip(after["collections"], before["collections"], strict=True)]
    took = [a - b for a, b in zip(after["total_ms"], before["total_ms"], strict=True)]
    print(f"collector during the latency phase: collections per generation {runs}, ms {[round(t) for t in took]}")
    print(
        "  longest pauses since start: "
        + ", ".join(f"{p['ms']} ms (gen {p['generation']}, {p['at']})" for p in after["longest"][:3])
    )


if __name__ == "__main__":
    main()
