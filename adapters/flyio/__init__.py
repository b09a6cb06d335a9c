"""fly.io: a real `FlyIO` port over the Machines API."""

from adapters.flyio.client import FlyIOUnavailableError, MachinesClient
from ports import FlyIOError

__all__ = ["FlyIOError", "FlyIOUnavailableError", "MachinesClient"]
