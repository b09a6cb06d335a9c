"""fly.io: a real `FlyIO` port over the Machines API."""

from adapters.flyio.client import FlyIOUnavailableError, MachinesClient
from adapters.flyio.machine_config import Guest
from ports import FlyIOError

__all__ = ["FlyIOError", "FlyIOUnavailableError", "Guest", "MachinesClient"]
