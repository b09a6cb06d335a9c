"""One codec for every value that is stored or shown: a port value <-> JSON-mode data (and JSON text).

SQLite rows, DynamoDB items and the API's views all go through here (pydantic's TypeAdapter over the frozen
dataclasses), so a field added to a value is stored, read back and shown the same way everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

import orjson
from pydantic import TypeAdapter

T = TypeVar("T")


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    """One TypeAdapter per type, made on first use (building one costs a few milliseconds)."""
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def to_data(value: object) -> dict[str, Any]:
    """A port value as JSON-mode data (datetimes as ISO text, enums as their values)."""
    data: dict[str, Any] = _adapter(type(value)).dump_python(value, mode="json")
    return data


def from_data(kind: type[T], data: Mapping[str, Any]) -> T:
    """A port value back from JSON-mode data; keys that are not fields (a table's keys) are ignored."""
    fields = getattr(kind, "__dataclass_fields__", {})
    value: T = _adapter(kind).validate_python({k: v for k, v in data.items() if k in fields})
    return value


def dumps(data: Any, *, lenient: bool = True) -> str:
    """Compact JSON text, for a column read back with `json.loads`. orjson, at several times json's speed: these
    are written for most deliveries (the feed, the call log, the outside world's journal).

    `lenient`: what JSON has no type for is written as text (as `json.dumps(..., default=str)` does; orjson writes
    datetimes and dataclasses as JSON of their own). Otherwise it is refused with TypeError, as `json.dumps`
    refuses it: what is read back to be replayed must come back as it went in."""
    if lenient:
        default, option = str, orjson.OPT_NON_STR_KEYS
    else:
        default, option = None, orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
    try:
        return orjson.dumps(data, default=default, option=option).decode()
    except TypeError:  # an integer beyond 64 bits, which orjson refuses; or what json refuses too (not lenient)
        return json.dumps(data, default=default, separators=(",", ":"))


def to_json(value: object) -> bytes:
    return _adapter(type(value)).dump_json(value)


def from_json(kind: type[T], text: str | bytes) -> T:
    """A port value from JSON text; raises pydantic's ValidationError naming every bad field."""
    value: T = _adapter(kind).validate_json(text)
    return value
