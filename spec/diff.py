"""`wingcloud spec diff`: what a change of the contract does to the services already deployed (decision 0009).

Every message is compared between an old and a new spec: its payload schema (`spec.compat`) and its routing
(senders, receivers, content filters). Each difference becomes a Finding with a verdict:
- compatible: full compatibility (backward and forward), or nobody on the broken side;
- breaking: a deployed receiver would refuse or miss events during a rolling deploy or a replay;
- accepted: breaking, but the message's `x-version` went up (or it is listed in `x-retired-messages`): an
  intentional break, deployed with the care decision 0009 describes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from spec._errors import SpecError, SpecProblem
from spec.compat import SchemaChange, SchemaComparison
from spec.contract import Contract, Message, Operation

COMPATIBLE, BREAKING, ACCEPTED = "compatible", "breaking", "accepted"


@dataclass(frozen=True)
class Finding:
    message: str
    pointer: str
    what: str
    backward: bool
    forward: bool
    verdict: str
    why: str

    @property
    def compatibility(self) -> str:
        """The schema-registry name of what still holds."""
        return {(True, True): "full", (True, False): "backward", (False, True): "forward"}.get(
            (self.backward, self.forward), "none"
        )

    def line(self) -> str:
        return f"{self.verdict:<10} {self.message} {self.pointer} [{self.compatibility}]: {self.what}; {self.why}"


@dataclass(frozen=True)
class Side:
    """One spec as the diff reads it."""

    label: str
    contract: Contract
    payloads: Mapping[str, Any]  # message name -> its payload schema (usually a $ref)
    versions: Mapping[str, int]
    retired: Mapping[str, str]

    @classmethod
    def of(cls, document: Any, label: str) -> Side:
        """Read a parsed spec; raise SpecError naming the side and what is missing."""

        def problem(pointer: str, text: str) -> SpecError:
            return SpecError([SpecProblem(pointer, f"{label}: {text}")])

        if not isinstance(document, dict):
            raise problem("", "the spec is not a mapping")
        components = document.get("components")
        raw_messages = components.get("messages") if isinstance(components, dict) else None
        if not isinstance(raw_messages, dict) or not raw_messages:
            raise problem("/components/messages", "no messages: is this an AsyncAPI spec of wingcloud?")
        try:
            contract = Contract.from_document(document)
        except (KeyError, AttributeError, TypeError) as error:
            raise problem("/operations", f"an operation's message reference cannot be followed: {error}") from None
        payloads, versions = {}, {}
        for key, raw in raw_messages.items():
            if not isinstance(raw, dict) or "payload" not in raw:
                raise problem(f"/components/messages/{key}", "a message without a payload")
            name = str(raw.get("name", key))
            payloads[name] = raw["payload"]
            version = raw.get("x-version", 1)
            if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                raise problem(f"/components/messages/{key}/x-version", f"must be an integer >= 1, not {version!r}")
            versions[name] = version
        retired = document.get("x-retired-messages") or {}
        if not isinstance(retired, dict):
            raise problem("/x-retired-messages", "must map a removed message's name to why it was removed")
        return cls(label, contract, payloads, versions, {str(k): str(v) for k, v in retired.items()})

    @property
    def schemas(self) -> Mapping[str, Any]:
        return self.contract.schema_components()


def diff(old: Side, new: Side) -> list[Finding]:
    """Every difference between the two specs that concerns a message, in message order."""
    comparison = SchemaComparison(old.schemas, new.schemas)
    findings: list[Finding] = []
    for name in sorted(set(old.contract.messages) | set(new.contract.messages)):
        before, after = old.contract.messages.get(name), new.contract.messages.get(name)
        if after is None:
            assert before is not None
            findings.append(_removed(before, old, new))
        elif before is None:
            where = f"/components/messages/{name}"
            findings.append(Finding(name, where, "message added", True, True, COMPATIBLE, "nobody knew it before"))
        else:
            changes = comparison.changes(old.payloads[name], new.payloads[name])
            found = [_judge(name, c, before, after, _home(new.payloads[name])) for c in changes]
            found += _routing(old, new, before, after)
            findings += _accept(found, name, old.versions[name], new.versions[name])
    return findings


def _names(services: Iterable[str]) -> str:
    return ", ".join(services) or "none"


def _home(payload: Any) -> str:
    """The message's own payload schema: changes in it need no "(in ...)"."""
    return str(payload.get("$ref", "")) if isinstance(payload, dict) else ""


def _judge(name: str, change: SchemaChange, old: Message, new: Message, home: str) -> Finding:
    via = f" (in {change.via})" if change.via and change.via != home else ""
    breaks = []
    if not change.backward and new.receivers:
        breaks.append(
            f"receivers on the new code ({_names(new.receivers)}) refuse events that senders still on the old code "
            f"({_names(old.senders)}) send, and archived ones replayed"
        )
    if not change.forward and old.receivers:
        breaks.append(
            f"receivers still on the old code ({_names(old.receivers)}) refuse events that senders on the new "
            f"code ({_names(new.senders)}) send"
        )
    if breaks:
        return Finding(
            name, change.pointer, change.what + via, change.backward, change.forward, BREAKING, "; ".join(breaks)
        )
    if change.backward and change.forward:
        why = "receivers drop fields they do not know" if "field" in change.what else "no payload changes meaning"
    else:
        why = "nobody receives it on the side it would break"
    return Finding(name, change.pointer, change.what + via, change.backward, change.forward, COMPATIBLE, why)


def _removed(message: Message, old: Side, new: Side) -> Finding:
    where = f"/components/messages/{message.name}"
    why = (
        f"senders still on the old code ({_names(message.senders)}) keep sending it and the archive replays it, "
        f"but the new bus knows no such detail-type (its receivers were {_names(message.receivers)})"
    )
    if message.name in new.retired:
        return Finding(
            message.name, where, "message removed", False, False, ACCEPTED, f"retired: {new.retired[message.name]}"
        )
    return Finding(message.name, where, "message removed", False, False, BREAKING, why)


def _fine(name: str, where: str, what: str, why: str) -> Finding:
    return Finding(name, where, what, True, True, COMPATIBLE, why)


def _receivers(contract: Contract, name: str) -> dict[str, Operation]:
    return {o.service: o for o in contract.operations.values() if o.message == name and o.action == "receive"}


def _routing(old: Side, new: Side, before: Message, after: Message) -> Iterator[Finding]:
    name = after.name
    for service in sorted(set(after.senders) - set(before.senders)):
        yield _fine(name, "/operations", f"sender {service} added", "every receiver's rule also matches its source")
    for service in sorted(set(before.senders) - set(after.senders)):
        if after.senders or not after.receivers:
            why = "others still send it" if after.senders else "nobody receives it"
            yield _fine(name, "/operations", f"sender {service} removed", why)
        else:
            why = f"its receivers ({_names(after.receivers)}) wait for an event nobody sends any more"
            yield Finding(name, "/operations", f"sender {service} removed, the last one", True, False, BREAKING, why)
    old_ops, new_ops = _receivers(old.contract, name), _receivers(new.contract, name)
    for service in sorted(set(new_ops) - set(old_ops)):
        yield _fine(name, f"/operations/{new_ops[service].id}", f"receiver {service} added", "a new rule")
    for service in sorted(set(old_ops) - set(new_ops)):
        yield _fine(name, f"/operations/{old_ops[service].id}", f"receiver {service} removed", "its rule goes")
    for service in sorted(set(old_ops) & set(new_ops)):
        yield from _filter(old, name, old_ops[service], new_ops[service])


def _filter(old: Side, name: str, before: Operation, after: Operation) -> Iterator[Finding]:
    if before.content_filter == after.content_filter:
        return
    where = f"/operations/{after.id}/x-eventbridge-pattern"
    lacking = [
        path
        for path, values in _detail_paths(after.content_filter or {})
        if not _matches_absence(values) and not _always_present(old, name, path)
    ]
    if lacking:
        fields = ", ".join("detail." + ".".join(p) for p in lacking)
        why = (
            f"events senders still on the old code ({_names(old.contract.messages[name].senders)}) send may lack "
            f"{fields}, so the new rule stops delivering them to {after.service}"
        )
        yield Finding(name, where, f"{after.service}'s content filter now tests {fields}", False, True, BREAKING, why)
    else:
        why = "the receiver's own subscription, on fields every old event carries"
        yield _fine(name, where, f"{after.service}'s content filter changed", why)


def _detail_paths(pattern: Mapping[str, Any]) -> Iterator[tuple[tuple[str, ...], list[Any]]]:
    """(path under detail, the pattern's list of values) for every leaf of the pattern's `detail`."""

    def walk(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], list[Any]]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("$or",) and isinstance(value, list):
                    for branch in value:
                        yield from walk(branch, path)
                else:
                    yield from walk(value, (*path, key))
        elif isinstance(node, list):
            yield path, node

    yield from walk(pattern.get("detail") or {}, ())


def _matches_absence(values: list[Any]) -> bool:
    return any(isinstance(v, dict) and v.get("exists") is False for v in values)


def _always_present(side: Side, name: str, path: tuple[str, ...]) -> bool:
    """Whether the old schema requires every step of `path` (then every old event carries it)."""
    comparison = SchemaComparison(side.schemas, side.schemas)
    node, _ = comparison.resolve(side.payloads[name], side.schemas, "", ())
    for step in path:
        if not isinstance(node, dict) or step not in (node.get("required") or ()):
            return False
        node, _ = comparison.resolve((node.get("properties") or {}).get(step, {}), side.schemas, "", ())
    return True


def _accept(found: list[Finding], name: str, old_version: int, new_version: int) -> list[Finding]:
    if new_version < old_version:
        where = f"/components/messages/{name}/x-version"
        why = "a version never goes back: deployed receivers already read the newer one"
        return [*found, Finding(name, where, f"x-version {old_version} -> {new_version}", False, False, BREAKING, why)]
    if new_version == old_version:
        return found
    marked = f"x-version {old_version} -> {new_version}: an intentional break"
    return [
        Finding(f.message, f.pointer, f.what, f.backward, f.forward, ACCEPTED, f"{f.why} ({marked})")
        if f.verdict == BREAKING
        else f
        for f in found
    ]


__all__ = ["ACCEPTED", "BREAKING", "COMPATIBLE", "Finding", "Side", "diff"]
