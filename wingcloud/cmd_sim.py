"""`wingcloud sim demo`: the RFC's main workflow on the simulator, printed as it happened.

A newcomer's first look at the event flow without a server: an app is created, a pull request is opened and
closed, and the trace shows every event, delivery, retry and dead letter in virtual time.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # the simulator is imported only when a command runs, to keep `wingcloud --help` fast
    from sim.world import World

app = typer.Typer(
    help="The in-process simulator: every service on an EventBridge-compatible bus.", no_args_is_help=True
)
out = Console(soft_wrap=True)

REPOSITORY = "acme/hello-wing"
HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


def _pull_request(action: str) -> bytes:
    """A minimal App delivery of `pull_request` (the fields wing.cloud reads, as GitHub names them)."""
    repo = {"full_name": REPOSITORY}
    body = {
        "action": action,
        "number": 7,
        "installation": {"id": 1},
        "repository": repo,
        "sender": {"login": "octocat"},
        "pull_request": {
            "number": 7,
            "title": "Add a queue",
            "merged": False,
            "head": {"ref": "add-queue", "sha": HEAD_SHA, "repo": repo},
            "base": {"ref": "main", "sha": "34c5c7793cb3b279e22454cb6750c80560547b3a", "repo": repo},
        },
    }
    return json.dumps(body).encode()


@app.command("demo")
def demo(
    chaos: bool = typer.Option(False, "--chaos", help="Duplicate, delay and reorder deliveries (seeded)."),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Seed of the bus and of chaos mode."),
    every: bool = typer.Option(False, "--all", help="Every trace record, each delivery included."),
) -> None:
    """Create an app, open and close a pull request; print environments and the event timeline."""
    from datetime import timedelta

    from sim.chaos import ChaosConfig
    from sim.world import World

    config = (
        ChaosConfig(seed=seed, duplicate_rate=0.3, delay_rate=0.3, max_delay=timedelta(seconds=20)) if chaos else None
    )
    world = World(seed=seed, chaos=config)
    world.github.set_branch_head(REPOSITORY, "main", "34c5c7793cb3b279e22454cb6750c80560547b3a", "Initial commit")
    created = world.create_app(owner="octocat", name="hello-wing", repository=REPOSITORY, default_branch="main")
    world.run()
    world.deliver_webhook("pull_request", _pull_request("opened"), "delivery-opened")
    world.run()
    _environments(world, f"after the pull request opened (app {created.id})")
    world.deliver_webhook("pull_request", _pull_request("closed"), "delivery-closed")
    world.run()
    _environments(world, "after the pull request closed")

    _timeline(world, every=every)
    out.print(f"{len(world.events())} events published, {len(world.dead_letters())} dead letters")
    if world.dead_letters():
        raise typer.Exit(1)


def _timeline(world: World, *, every: bool) -> None:
    """The trace in virtual time since the start: each event once with the services it went to, and what went
    wrong or was retried; chaos mode's duplicates and delays are marked. `every`: each record."""
    records = world.trace()
    start = records[0].at if records else world.now()
    delivered: dict[str, list[str]] = {}
    for record in records:
        if record.kind == "delivered" and record.target_service:
            delivered.setdefault(record.event_id, []).append(record.target_service)
    out.print("[bold]event timeline[/bold] (virtual time since the first event; -> where each event was delivered)")
    for record in records:
        offset = (record.at - start).total_seconds()
        stamp = f"+{int(offset // 60):02d}:{offset % 60:06.3f}"
        if record.kind == "published" and not every:
            targets = ", ".join(dict.fromkeys(delivered.get(record.event_id, []))) or "nobody"
            line = f"{stamp}  {record.detail_type:<28} {record.source_service:<13} -> {targets}"
        elif record.kind == "delivered" and record.envelope is None and not every:  # through a door
            line = f"{stamp}  {record.detail_type:<28} {record.source_service:<13} -> {record.target_service}"
        elif every or record.kind != "delivered" or record.note:
            arrow = f"-> {record.target_service}" if record.target_service else ""
            line = f"{stamp}  {record.kind:<15} {record.detail_type:<28} {record.source_service:<13} {arrow}"
        else:
            continue
        extra = "; ".join(x for x in (record.note and f"chaos: {record.note}", record.error) if x)
        out.print(line + (f"  ({extra})" if extra else ""), markup=False, highlight=False)


def _environments(world: World, title: str) -> None:
    table = Table(title=title)
    for column in ("environment", "type", "branch", "status", "endpoints"):
        table.add_column(column)
    for env in world.environments():
        table.add_row(env.id, env.type, env.branch, env.status, " ".join(e.url for e in env.endpoints))
    out.print(table)
