"""Comparing two payload schemas the way the bus reads them (decision 0009): what changed, and in which
direction a change still lets events through.

Two directions, in schema-registry terms:
- backward: a receiver on the new schema accepts every payload a sender on the old schema may send (and the
  archive replays);
- forward: a receiver still on the old schema accepts every payload a sender on the new schema may send.

Senders are strict (a payload they publish matches their closed schema); receivers are tolerant readers (a
property their schema does not name is dropped on receipt, `spec.payloads.PayloadValidator.known`). So an added
optional property is invisible to old receivers, and a removed one to new receivers.

The comparison walks both schemas side by side, following `$ref`s into the component schemas, and reports each
keyword that differs with a JSON pointer into the message's payload schema. When it cannot prove that one
schema contains the other (a changed pattern, an unknown keyword), it says both directions break: the gate must
err on the side of a person looking.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from spec._errors import SpecError, SpecProblem

_LOCAL = "#/components/schemas/"
# Keywords that say nothing about which payloads are valid.
_ANNOTATIONS = frozenset(
    {"description", "title", "examples", "example", "default", "deprecated", "readOnly", "writeOnly", "$comment"}
)
_LOWER = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
_UPPER = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
_EXACT = ("pattern", "format", "multipleOf")  # present = one more condition; changed = not comparable
_HANDLED = frozenset(
    {"type", "enum", "const", "properties", "required", "additionalProperties", "items", "uniqueItems"}
    | {"oneOf", "anyOf", "allOf", "$ref", *_LOWER, *_UPPER, *_EXACT}
)


@dataclass(frozen=True)
class SchemaChange:
    """One difference between two payload schemas."""

    pointer: str  # into the message's payload schema, $refs followed
    what: str
    backward: bool  # new receivers still accept what old senders send
    forward: bool  # old receivers still accept what new senders send
    via: str = ""  # the component schema the change lives in, when reached through a $ref


def _escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class SchemaComparison:
    """Compares schemas of an old and a new document (their `components/schemas` resolve the `$ref`s)."""

    def __init__(self, old_schemas: Mapping[str, Any], new_schemas: Mapping[str, Any]) -> None:
        self._old = old_schemas
        self._new = new_schemas

    def changes(self, old: Any, new: Any) -> list[SchemaChange]:
        return list(self._compare(old, new, "", "", ()))

    def resolve(self, node: Any, schemas: Mapping[str, Any], via: str, seen: tuple[str, ...]) -> tuple[Any, str]:
        """Follow `$ref` (keeping sibling keywords, as the runtime validator does); raise SpecError when one
        dangles or loops."""
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith(_LOCAL) or ref[len(_LOCAL) :] not in schemas:
                raise SpecError([SpecProblem("", f"$ref {ref!r} does not name a schema of #/components/schemas")])
            if ref in seen:
                raise SpecError([SpecProblem("", f"schema {ref!r} refers to itself; recursive schemas are refused")])
            seen = (*seen, ref)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node, via = {**schemas[ref[len(_LOCAL) :]], **siblings}, ref
        return node, via

    def _compare(self, old: Any, new: Any, at: str, via: str, seen: tuple[str, ...]) -> Iterator[SchemaChange]:
        old, old_via = self.resolve(old, self._old, via, seen)
        new, new_via = self.resolve(new, self._new, via, seen)
        via = new_via or old_via
        seen = (*seen, via) if via else seen
        if old == new and self._same_refs(old, new):
            return
        if not isinstance(old, dict) or not isinstance(new, dict):  # `true`/`false` schemas
            if old != new:
                yield SchemaChange(at or "/", f"schema {_show(old)} -> {_show(new)}", False, False, via)
            return
        yield from self._types(old, new, at, via)
        before, after = _types_of(old), _types_of(new)
        if before is not None and after is not None and not _overlap(before, after):
            return  # no value is valid under both types: the other keywords compare nothing
        yield from self._enums(old, new, at, via)
        yield from self._bounds(old, new, at, via)
        yield from self._objects(old, new, at, via, seen)
        yield from self._arrays(old, new, at, via, seen)
        yield from self._alternatives(old, new, at, via, seen)
        for key in sorted((set(old) | set(new)) - _HANDLED - _ANNOTATIONS):
            if key.startswith("x-") or old.get(key) == new.get(key):
                continue
            yield SchemaChange(
                f"{at}/{_escape(key)}",
                f"{key} {_show(old.get(key))} -> {_show(new.get(key))}, a keyword the gate cannot judge",
                False,
                False,
                via,
            )

    def _same_refs(self, old: Any, new: Any, seen: frozenset[str] = frozenset()) -> bool:
        """Equal text is an equal schema only when every `$ref` inside it names an equal component, all the way
        down (a shared component may have changed under an unchanged message)."""
        refs = _refs(old)
        if refs != _refs(new):
            return False
        for ref in set(refs) - seen:
            name = ref[len(_LOCAL) :] if ref.startswith(_LOCAL) else None
            if name is None or name not in self._old or name not in self._new:
                return False
            if self._old[name] != self._new[name] or not self._same_refs(
                self._old[name], self._new[name], seen | {ref}
            ):
                return False
        return True

    def _types(self, old: dict[str, Any], new: dict[str, Any], at: str, via: str) -> Iterator[SchemaChange]:
        before, after = _types_of(old), _types_of(new)
        if before == after:
            return
        where = f"{at}/type"
        if before is None or after is None:
            tighter = after is not None
            what = f"type added: {_show(new['type'])}" if tighter else f"type removed (was {_show(old['type'])})"
            yield SchemaChange(where, what, backward=not tighter, forward=tighter, via=via)
            return
        dropped = {t for t in before if not _covers(after, t)}
        added = {t for t in after if not _covers(before, t)}
        if dropped or added:
            what = f"type {_show(old['type'])} -> {_show(new['type'])}"
            yield SchemaChange(where, what, backward=not dropped, forward=not added, via=via)

    def _enums(self, old: dict[str, Any], new: dict[str, Any], at: str, via: str) -> Iterator[SchemaChange]:
        before, after = _allowed(old), _allowed(new)
        if before == after:
            return
        key = "enum" if "enum" in new or "enum" in old else "const"
        where = f"{at}/{key}"
        if before is None or after is None:
            tighter = after is not None
            shown = sorted(after or before or ())
            what = f"{key} added: {', '.join(shown)}" if tighter else f"{key} removed (was {', '.join(shown)})"
            yield SchemaChange(where, what, backward=not tighter, forward=tighter, via=via)
            return
        removed, added = sorted(before - after), sorted(after - before)
        parts = ([f"removed {', '.join(removed)}"] if removed else []) + (
            [f"added {', '.join(added)}"] if added else []
        )
        narrowed = "narrowed" if removed and not added else "widened" if added and not removed else "changed"
        yield SchemaChange(where, f"{key} {narrowed}: {'; '.join(parts)}", not removed, not added, via)

    def _bounds(self, old: dict[str, Any], new: dict[str, Any], at: str, via: str) -> Iterator[SchemaChange]:
        for key in (*_LOWER, *_UPPER):
            before, after = old.get(key), new.get(key)
            if before == after:
                continue
            if before is None:
                tighter = True
            elif after is None:
                tighter = False
            else:
                tighter = after > before if key in _LOWER else after < before
            word = "tightened" if tighter else "loosened"
            yield SchemaChange(f"{at}/{key}", f"{key} {word}: {before} -> {after}", not tighter, tighter, via)
        for key in _EXACT:
            before, after = old.get(key), new.get(key)
            if before == after:
                continue
            if before is None or after is None:
                tighter = after is not None
                what = f"{key} added: {_show(after)}" if tighter else f"{key} removed (was {_show(before)})"
                yield SchemaChange(f"{at}/{key}", what, not tighter, tighter, via)
            else:
                what = f"{key} changed: {_show(before)} -> {_show(after)} (neither is known to contain the other)"
                yield SchemaChange(f"{at}/{key}", what, False, False, via)
        if bool(old.get("uniqueItems")) != bool(new.get("uniqueItems")):
            tighter = bool(new.get("uniqueItems"))
            what = f"uniqueItems {'added' if tighter else 'removed'}"
            yield SchemaChange(f"{at}/uniqueItems", what, not tighter, tighter, via)

    def _objects(
        self, old: dict[str, Any], new: dict[str, Any], at: str, via: str, seen: tuple[str, ...]
    ) -> Iterator[SchemaChange]:
        before, after = old.get("properties") or {}, new.get("properties") or {}
        was_required, is_required = set(old.get("required") or ()), set(new.get("required") or ())
        for name in sorted(set(before) | set(after) | was_required | is_required):
            where = f"{at}/properties/{_escape(name)}"
            if name in after and name not in before:
                if name in is_required:
                    yield SchemaChange(where, f"added required field {name!r}", False, True, via)
                else:
                    yield SchemaChange(where, f"added optional field {name!r}", True, True, via)
            elif name in before and name not in after:
                if name in was_required:
                    yield SchemaChange(where, f"removed required field {name!r}", True, False, via)
                else:
                    yield SchemaChange(where, f"removed optional field {name!r}", True, True, via)
            else:
                if name in is_required and name not in was_required:
                    yield SchemaChange(where, f"field {name!r} became required", False, True, via)
                elif name in was_required and name not in is_required:
                    yield SchemaChange(where, f"field {name!r} became optional", True, False, via)
                if name in before:
                    yield from self._compare(before[name], after[name], where, via, seen)
        extra_old, extra_new = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(extra_old, dict) and isinstance(extra_new, dict):
            yield from self._compare(extra_old, extra_new, f"{at}/additionalProperties", via, seen)
        elif isinstance(extra_old, dict) != isinstance(extra_new, dict):
            # a map's values against a closed (or open) object: the receivers' readings are not comparable
            what = f"additionalProperties {_show(extra_old)} -> {_show(extra_new)}"
            yield SchemaChange(f"{at}/additionalProperties", what, False, False, via)
        # true <-> false (or absent) changes nothing on the wire: receivers drop names they do not know

    def _arrays(
        self, old: dict[str, Any], new: dict[str, Any], at: str, via: str, seen: tuple[str, ...]
    ) -> Iterator[SchemaChange]:
        before, after = old.get("items"), new.get("items")
        if before == after and self._same_refs(before, after):
            return
        if isinstance(before, dict) and isinstance(after, dict):
            yield from self._compare(before, after, f"{at}/items", via, seen)
        elif before is None or after is None:
            tighter = after is not None
            what = "items constrained" if tighter else "items no longer constrained"
            yield SchemaChange(f"{at}/items", what, not tighter, tighter, via)
        else:
            yield SchemaChange(f"{at}/items", "items changed shape (tuple form)", False, False, via)

    def _alternatives(
        self, old: dict[str, Any], new: dict[str, Any], at: str, via: str, seen: tuple[str, ...]
    ) -> Iterator[SchemaChange]:
        for key in ("oneOf", "anyOf", "allOf"):
            before, after = old.get(key), new.get(key)
            if before == after and self._same_refs(before, after):
                continue
            if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
                for index, (one, other) in enumerate(zip(before, after, strict=True)):
                    yield from self._compare(one, other, f"{at}/{key}/{index}", via, seen)
            else:
                count = f"{len(before) if isinstance(before, list) else 0} -> {len(after) if isinstance(after, list) else 0}"
                yield SchemaChange(f"{at}/{key}", f"{key} alternatives {count}: not compared", False, False, via)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _types_of(schema: Mapping[str, Any]) -> frozenset[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    return frozenset([kind] if isinstance(kind, str) else kind)


def _covers(types: frozenset[str], kind: str) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def _overlap(before: frozenset[str], after: frozenset[str]) -> bool:
    return any(_covers(after, t) for t in before) or any(_covers(before, t) for t in after)


def _allowed(schema: Mapping[str, Any]) -> frozenset[str] | None:
    """The values an enum or const allows, as JSON text (so 1 and "1" differ)."""
    if "enum" in schema:
        return frozenset(_show(v) for v in schema["enum"])
    if "const" in schema:
        return frozenset([_show(schema["const"])])
    return None


__all__ = ["SchemaChange", "SchemaComparison"]
