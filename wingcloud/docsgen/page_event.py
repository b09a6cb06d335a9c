"""`docs/events/<Event>.md`: one event's meaning, fields, a validated example and the rules that receive it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spec.contract import Contract, Message, Rule, source_of
from spec.payloads import PayloadValidator
from wingcloud.docsgen._md import bullets, code, json_block, link, page, table
from wingcloud.docsgen.schema import field_rows

_METADATA_NOTE = "`metadata` is filled by the bus on publish; handlers never set it.\n\n"


class InvalidExampleError(ValueError):
    """An example in the spec does not validate against its own schema; the docs would show a lie."""


def _service_link(name: str) -> str:
    return link(name, f"../services/{name}.md")


def _senders(contract: Contract, message: Message) -> list[str]:
    out = []
    for sender in message.senders:
        triggers = sorted(
            {
                op.trigger
                for op in contract.operations.values()
                if op.service == sender and op.message == message.name and op.action == "send" and op.trigger
            }
        )
        how = f" (on {', '.join(code(t) for t in triggers)})" if triggers else " (in reaction to an event)"
        out.append(_service_link(sender) + how)
    return out


def _validated_example(message: Message, validator: PayloadValidator) -> dict[str, Any] | None:
    if not message.examples:
        return None
    example = message.examples[0]
    payload = example.get("payload", example)
    try:
        validator.validate(message.name, payload)
    except ValueError as exc:
        raise InvalidExampleError(f"the example of {message.name} in the spec is invalid: {exc}") from exc
    return dict(payload)


def _envelope(message: Message, payload: dict[str, Any]) -> dict[str, Any]:
    metadata = payload.get("metadata") or {}
    return {
        "version": "0",
        "id": metadata.get("event_id", ""),
        "detail-type": message.name,
        "source": source_of(message.senders[0]) if message.senders else "",
        "account": "123456789012",
        "time": metadata.get("occurred_at", ""),
        "region": "us-east-1",
        "resources": [],
        "detail": payload,
    }


def _rules_section(rules: Sequence[Rule]) -> str:
    if not rules:
        return "No service receives this event: it is terminal (or only archived)."
    count = "One rule" if len(rules) == 1 else f"{len(rules)} rules"
    parts = [f"{count} (one per receiving service), derived from the spec by `Contract.rules()`."]
    for rule in rules:
        parts.append(
            f"### {code(rule.name)}\n\nTarget: {_service_link(rule.service)}, operation {code(rule.operation_id)}."
            f"\n\n{json_block(rule.pattern, sort_keys=True)}"
        )
    return "\n\n".join(parts)


def event_page(
    contract: Contract, message: Message, validator: PayloadValidator, workflows: Sequence[tuple[str, str]]
) -> str:
    """`workflows` holds (name, title) of the traced workflows in which this event occurs."""
    rows = field_rows(message.schema_name, contract.schema_components())
    fields = table(
        ["Field", "Type", "Required", "Format, enum, limits", "Description"],
        [(code(f.path), f.type, "yes" if f.required else "no", f.constraints, f.description) for f in rows],
    )
    facts = _facts(
        [
            ("detail-type", code(message.name)),
            ("source", ", ".join(code(source_of(s)) for s in message.senders) or "_no sender_"),
            ("sent by", ", ".join(_senders(contract, message)) or "_nobody_"),
            ("received by", ", ".join(_service_link(r) for r in message.receivers) or "_nobody (terminal)_"),
            ("payload schema", code(message.schema_name)),
        ],
    )
    example = _validated_example(message, validator)
    if example is None:
        example_text = "The spec gives no example for this event."
    else:
        example_text = (
            "The `detail`, validated against the schema above when these docs were built:\n\n"
            f"{json_block(example)}\n\n<details><summary>The same event in its EventBridge envelope</summary>\n\n"
            f"{json_block(_envelope(message, example))}\n\n</details>"
        )
    rules = [r for r in contract.rules() if r.message == message.name]
    seen_in = bullets([link(title, f"../workflows/{name}.md") for name, title in workflows], "_no traced workflow_")
    return page(
        message.name,
        f"> {message.summary}" if message.summary else "",
        message.description,
        facts,
        "## Fields\n\n" + _METADATA_NOTE * any(f.path == "metadata" for f in rows) + fields,
        "## Example\n\n" + example_text,
        "## EventBridge rules that receive it\n\n" + _rules_section(rules),
        "## Seen in workflows\n\n" + seen_in,
        "[All events](../index.md#events) · [Context map](../index.md#context-map)",
    )


def _facts(rows: list[tuple[str, str]]) -> str:
    return "\n".join(f"- **{name}**: {value}" for name, value in rows)
