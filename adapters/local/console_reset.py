"""The console's reset: a local data dir back to empty, its credentials kept (the console stays signed in,
GitHub's webhook secret stays valid).

Deployments still running are destroyed first, through the runtime port (whatever it is: the embedded fly.io,
machines on this machine, or fly.io itself), so that nothing keeps running or reporting for environments
that are gone. Then, under the main database's write lock (the worker delivers nothing meanwhile), every
table is emptied; the inbox, the embedded outside world's journal and the call log follow. Sequence numbers
are not reset: the live streams of an open console carry on from where they were.
"""

from __future__ import annotations

import logging

from adapters.local.system import System
from events.models import EnvironmentStatus

log = logging.getLogger("wingcloud")
TABLES = (
    "apps",
    "environments",
    "secrets",
    "handled",
    "kv",
    "feed",
    "blob_chunks",
    "events",
    "deliveries",
    "dead_letters",
    "trace",
)


def reset(system: System) -> tuple[dict[str, int], list[str]]:
    """Empty the data dir; returns (rows removed per table, and arrivals and calls), the runtime apps destroyed."""
    stopped = []
    for env in system.ports.environments.list_all():
        if env.status != EnvironmentStatus.stopped and env.fly_app_name:
            try:
                system.ports.flyio.destroy_app(env.fly_app_name)
            except Exception as error:  # the reset goes on: a runtime that cannot be reached is reported
                log.warning("reset: could not destroy %s: %s", env.fly_app_name, error)
                continue
            stopped.append(env.fly_app_name)
    removed: dict[str, int] = {}
    with system.db.writing() as conn:
        for table in TABLES:
            removed[table] = int(conn.execute(f"DELETE FROM {table}").rowcount)
    removed["arrivals"] = system.inbox.forget()
    system.outside.reset()
    removed["outside_calls"] = system.calls.clear()
    log.warning("the console reset the data dir: %s", ", ".join(f"{n} {t}" for t, n in removed.items() if n))
    system.committed()
    return removed, stopped
