"""The record every fake keeps: one `Call` per port method invoked, in order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Call:
    """One call of a port method; `args` never hold secret values or key material."""

    method: str
    args: tuple[object, ...] = ()


class Recorder:
    """Mixin: `calls` lists every port call (or the latest, see `keep_last`); `called(method)` filters it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._keep: int | None = None

    def keep_last(self, count: int) -> None:
        """From now on remember only the latest calls: at least `count`, fewer than twice as many. For a fake that
        lives as long as a server process (the embedded world of `wingcloud serve`), whose calls are recorded
        durably elsewhere: kept all, they grow without end, and the garbage collector walks each of them."""
        self._keep = count
        self._trim()

    def _record(self, method: str, *args: object) -> None:
        self.calls.append(Call(method, args))
        self._trim()

    def _trim(self) -> None:
        if self._keep is not None and len(self.calls) >= 2 * self._keep:
            del self.calls[: -self._keep]

    def called(self, method: str) -> list[Call]:
        """The calls of `method`, in order."""
        return [call for call in self.calls if call.method == method]
