"""fly.io: a real `FlyIO` port over the Machines API."""

from adapters.flyio.client import FlyIOError, MachinesClient

__all__ = ["FlyIOError", "MachinesClient"]
