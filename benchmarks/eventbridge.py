"""The EventBridge backend on a moto server: PutEvents throughput of the publisher, one workflow (a pull
request opened until its preview runs) end to end on the AWS world beside the simulator's world, and the AWS
requests of one pull-request lifecycle (opened -> running -> closed) with what 1,000 of them cost at list
prices (`eventbridge_requests.py`).

    python benchmarks/eventbridge.py [--events 500] [--runs 3] [--only-requests]

Figures for notes, never assertions: moto answers one request at a time, so they measure the emulator as
much as our code; on AWS, Lambda concurrency and the event source mapping change the picture entirely.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import boto3

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the functions' JSON lines would drown the figures
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # and so would their metric lines
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.fixtures is importable

from typing import Any

from adapters.eventbridge.function.publisher import Entry, Publisher
from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.offline.moto import MotoServer
from adapters.eventbridge.offline.stack import OfflineStack
from adapters.eventbridge.offline.world import AwsWorld
from adapters.eventbridge.stack.deploy import deploy
from benchmarks.eventbridge_requests import PRICES_AS_OF, CountingClients, cost, timed
from sim.world import World, WorldLike
from spec.contract import Contract
from tests.fixtures import github_body


def publish_rate(stack: OfflineStack, count: int) -> float:
    detail = json.dumps({"pad": "x" * 2000})
    entries = [Entry("wingcloud.bench", "Benchmark", detail, label=f"Benchmark {i}") for i in range(count)]
    started = time.perf_counter()
    Publisher(stack.clients("events"), stack.deployment.bus_name).publish(entries)
    return count / (time.perf_counter() - started)


def workflow(world: WorldLike) -> float:
    """Seconds from an app's creation to its preview running for pull request #2."""
    started = time.perf_counter()
    world.github.set_branch_head("Codertocat/Hello-World", "master", "a" * 40, "Initial commit")
    world.create_app(owner="codertocat", name="hello", repository="Codertocat/Hello-World", default_branch="master")
    world.run()
    body = github_body("pull_request.opened.json")
    world.deliver_webhook("pull_request", body, f"bench-{time.time_ns()}")
    world.run()
    assert any(e.pr_number == 2 and e.status == "running" for e in world.environments()), world.environments()
    return time.perf_counter() - started


def lifecycle(session: Any, endpoint: str, contract: Contract) -> None:
    """Count one pull request's lifecycle, then print the requests by service and API and the cost."""
    tap: list[str] = []
    clients = CountingClients(session, endpoint, ignore_queue=lambda url: url in tap)
    deployment = deploy(
        contract,
        clients,
        stack_name="bench-requests",
        bus_name="bench-requests",
        event_source_mappings=False,
        emulator=True,
    )
    stack = OfflineStack(contract, clients, deployment)
    tap.append(stack.tap_url)
    world = AwsWorld(stack)
    for service, pump in world.pumps.items():
        pump.invoke = timed(service, clients, pump.invoke)
    world.ingress_handler = timed("ingress", clients, world.ingress_handler)
    requests_before = 0
    original = world.request

    def request(*args: Any, **kwargs: Any) -> Any:
        nonlocal requests_before
        requests_before += 1 if clients.counting else 0
        return original(*args, **kwargs)

    world.request = request  # type: ignore[method-assign]
    world.github.set_branch_head("Codertocat/Hello-World", "master", "a" * 40, "Initial commit")
    world.create_app(owner="codertocat", name="hello", repository="Codertocat/Hello-World", default_branch="master")
    world.run()
    seen = len(world.events())
    clients.counting = True
    world.deliver_webhook("pull_request", github_body("pull_request.opened.json"), "bench-opened")
    world.run()
    assert any(e.pr_number == 2 and e.status == "running" for e in world.environments())
    world.deliver_webhook("pull_request", github_body("pull_request.closed.json"), "bench-closed")
    world.run()
    clients.counting = False
    assert all(e.status == "stopped" for e in world.environments() if e.pr_number == 2)
    events = world.events()[seen:]
    router = world.consumers["github"].router
    delivered = sum(len(router.targets(e)) for e in events)
    tally = clients.tally
    print(f"\none pull request, opened -> preview running -> closed: {len(events)} events on the bus")
    print(
        f"  {'Lambda invocations':<44}{sum(tally.invocations.values()):>6}  ({dict(sorted(tally.invocations.items()))})"
    )
    print(f"  {'API Gateway requests (webhooks, reports)':<44}{requests_before:>6}")
    print(f"  {'SQS SendMessage by EventBridge rules':<44}{delivered:>6}")
    print(f"  {'EventBridge PutEvents entries':<44}{tally.entries:>6}")
    for key, count in sorted(tally.requests.items()):
        print(f"  {key:<44}{count:>6}")
    print(f"  {'DynamoDB write request units (estimated)':<44}{tally.write_units:>6.0f}")
    print(f"  {'DynamoDB read request units (estimated)':<44}{tally.read_units:>6.0f}")
    print(f"  (left out: {tally.empty_polls} empty SQS polls, a fixed cost of the event source mappings per queue)")
    items = cost(tally, delivered, requests_before)
    print(f"\n1,000 such lifecycles at {PRICES_AS_OF} (fly.io excluded):")
    for item, usd in items.items():
        print(f"  {item:<66}{usd * 1000:>9.4f} USD")
    print(f"  {'total':<66}{sum(items.values()) * 1000:>9.4f} USD")
    seconds = sum(tally.seconds.values()) / max(1, sum(tally.invocations.values()))
    print(f"  (Lambda duration: {seconds * 1000:.0f} ms per invocation as measured here against moto on localhost)")
    door = tally.seconds["ingress"] / max(1, tally.invocations["ingress"])
    print(f"  (a door's answer, webhook or report, in the ingress function: {door * 1000:.0f} ms on average here)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only-requests", action="store_true", help="only the requests and cost per lifecycle")
    args = parser.parse_args()
    with MotoServer(Path(tempfile.mkdtemp()) / "moto.log") as server:
        session = boto3.session.Session(
            region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        clients, contract = AwsClients(session, server.endpoint), Contract.load()
        if args.only_requests:
            lifecycle(session, server.endpoint, contract)
            return
        started = time.perf_counter()
        deployment = deploy(
            contract, clients, stack_name="bench", bus_name="bench", event_source_mappings=False, emulator=True
        )
        print(f"deploy (CloudFormation on a fresh moto server): {time.perf_counter() - started:.1f} s")
        stack = OfflineStack(contract, clients, deployment)
        rate = publish_rate(stack, args.events)
        print(f"publisher: {rate:.0f} events/s ({args.events} events of ~2 KB, batches of 10, 46 rules on the bus)")
        aws = [workflow(AwsWorld(stack)) for _ in range(args.runs)]
        sim = [workflow(World()) for _ in range(args.runs)]
        print(
            f"app created -> preview running: eventbridge/moto {statistics.median(aws):.2f} s, "
            f"simulator {statistics.median(sim) * 1000:.1f} ms (median of {args.runs})"
        )
        lifecycle(session, server.endpoint, contract)


if __name__ == "__main__":
    main()
