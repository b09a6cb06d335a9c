"""The one runtime player: what lets the fake fly.io's machines report, as the Wing runtime inside them would.

`play_until_quiet` is how every world settles (the simulator, the local server, the AWS stack): let the bus
settle, then hand over the next report a machine has, and again, until the machines are quiet.
`RuntimePlayer` is the same for a running `wingcloud serve` with the embedded fly.io: a thread that sends
each report through the server's report door, one step every few tenths of a second so the console shows
each status.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ports import RuntimeReport
from sim.fakes.flyio import FakeFlyIO

log = logging.getLogger("wingcloud.runtime")


def play_until_quiet(fake: FakeFlyIO, report: Callable[[RuntimeReport], None], settle: Callable[[], object]) -> None:
    """Settle, then deliver each report the fake machines send, settling after each, until all is quiet."""
    settle()
    while (next_report := fake.take_report()) is not None:
        report(next_report)
        settle()


class RuntimePlayer:
    """Plays the fake machines' reports in a thread through `submit(report, report_id) -> stored`.

    Report ids are `rep_<deployment>_<n>`; after a restart the journal replays the machines, the same reports
    queue again and the door drops the ones it already holds (those are not paced again).
    """

    def __init__(self, fake: FakeFlyIO, submit: Callable[[RuntimeReport, str], bool], step: float) -> None:
        self._fake, self._submit, self._step = fake, submit, step
        self._sent: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="wingcloud-runtime", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def play_one(self) -> bool:
        """Send the next report, if any; False when the machines are quiet."""
        report = self._fake.take_report()
        if report is None:
            return False
        n = self._sent.get(report.deployment_id, 0) + 1
        self._sent[report.deployment_id] = n
        try:
            stored = self._submit(report, f"rep_{report.deployment_id}_{n}")
        except Exception:
            log.exception("the embedded runtime could not deliver a report")
            stored = True
        if stored and self._step:
            time.sleep(self._step)
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self.play_one():
                self._stop.wait(0.02)
