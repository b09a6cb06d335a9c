"""The EventBridge backend on a moto server: PutEvents throughput of the publisher, and one workflow (a pull
request opened until its preview runs) end to end on the AWS world beside the simulator's world.

    python benchmarks/eventbridge.py [--events 500] [--runs 3]

Figures for notes, never assertions: moto answers one request at a time, so they measure the emulator as
much as our code; on AWS, Lambda concurrency and the event source mapping change the picture entirely.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.fixtures is importable

from adapters.eventbridge.function.publisher import Entry, Publisher
from adapters.eventbridge.function.wiring import AwsClients
from adapters.eventbridge.offline.moto import MotoServer
from adapters.eventbridge.offline.stack import OfflineStack
from adapters.eventbridge.offline.world import AwsWorld
from adapters.eventbridge.stack.deploy import deploy
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with MotoServer(Path(tempfile.mkdtemp()) / "moto.log") as server:
        session = boto3.session.Session(
            region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        clients, contract = AwsClients(session, server.endpoint), Contract.load()
        started = time.perf_counter()
        deployment = deploy(contract, clients, stack_name="bench", bus_name="bench", event_source_mappings=False)
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


if __name__ == "__main__":
    main()
