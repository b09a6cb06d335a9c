"""The record every fake keeps: one `Call` per port method invoked, in order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Call:
    """One call of a port method; `args` never hold secret values or key material."""

    method: str
    args: tuple[object, ...] = ()


class Recorder:
    """Mixin: `calls` lists every port call; `called(method)` filters it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def _record(self, method: str, *args: object) -> None:
        self.calls.append(Call(method, args))

    def called(self, method: str) -> list[Call]:
        """The calls of `method`, in order."""
        return [call for call in self.calls if call.method == method]
