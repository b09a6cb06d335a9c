"""Help text in the style click users know: `--port INTEGER`, flags without a type, no `<bool>`/`<str>`.

Typer 0.29 labels every parameter with its Python type in angle brackets (`--help <bool>`); this puts the
metavar back: the option's own `metavar` if it has one, nothing for a flag, else click's type name; an
argument shows its name only (its metavar is already in the first column).
"""

from __future__ import annotations

from typing import Any

from typer import core

_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "path": "PATH", "bool": "BOOLEAN"}


def _metavar(label: str | None) -> str | None:
    if label is None or not (label.startswith("<") and label.endswith(">")):
        return label
    words = label[1:-1].split()
    return " ".join(_NAMES.get(word, word.upper()) for word in words)


def plain_metavars() -> None:
    """Install the click-style labels on typer's option class (idempotent)."""
    if getattr(core.TyperOption.display_type_rich, "_wingcloud", False):
        return
    original = core.TyperOption.display_type_rich

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if self.metavar is not None:
            return str(self.metavar) or None
        if self.is_flag or self.count:
            return None
        return _metavar(original(self, ctx))

    def argument_type(self: Any, ctx: Any) -> str | None:
        return None

    display_type_rich._wingcloud = True  # type: ignore[attr-defined]
    core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]
    core.TyperArgument.display_type_rich = argument_type  # type: ignore[method-assign]
