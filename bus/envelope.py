"""The envelope every bus carries: EventBridge's (`version, id, detail-type, source, account, time, region,
resources, detail`), typed, with one way in (`from_wire`) and one way out (`to_wire`).

It extends the envelope generated from the spec (`events.Envelope`) with the detail as sent: a JSON object
that the routing validates against the spec before a handler gets the typed event. Handlers never see it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import Field, ValidationError

import events
from bus.errors import InvalidEventError
from events import Event, EventMetadata
from spec.contract import SOURCE_PREFIX

WIRE_ORDER = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")


class InvalidEnvelopeError(ValueError):
    """Something arrived that is not an EventBridge envelope; the message names the missing or bad field."""


class Envelope(events.Envelope):
    """One event on the wire. Frozen; `detail` includes `metadata` (event, correlation and causation ids)."""

    detail_type: str = Field(alias="detail-type", min_length=1)
    detail: dict[str, Any]

    @classmethod
    def from_wire(cls, raw: Mapping[str, Any] | str | bytes) -> Envelope:
        """An envelope from its JSON (text or parsed); raises InvalidEnvelopeError naming what is wrong."""
        try:
            if isinstance(raw, str | bytes):
                return cls.model_validate_json(raw)
            return cls.model_validate(raw)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '/'}: {e['msg']}" for e in error.errors())
            raise InvalidEnvelopeError(f"not an EventBridge envelope: {problems}") from None

    @classmethod
    def stamped(cls, wire: dict[str, Any]) -> Envelope:
        """An envelope a bus has just stamped, its fields in `WIRE_ORDER` and in JSON form already (`time` with
        its `Z`): validated as `from_wire` does, and `wire` is what `to_wire` gives (it is not dumped again)."""
        envelope = cls.from_wire(wire)
        envelope.__dict__["_wire"] = wire
        return envelope

    def to_wire(self) -> dict[str, Any]:
        """The JSON object EventBridge carries (`replay-name` only on replays). Made once: read, do not change."""
        return self._wire

    def to_json(self) -> bytes:
        return orjson.dumps(self._wire)

    @functools.cached_property
    def _wire(self) -> dict[str, Any]:
        fields: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude={"replay_name"})
        wire = {key: fields[key] for key in WIRE_ORDER}  # the order EventBridge documents
        if self.replay_name is not None:
            wire["replay-name"] = self.replay_name
        return wire

    @functools.cached_property
    def metadata(self) -> EventMetadata:
        """The ids the bus stamped on the detail; raises InvalidEnvelopeError when they are missing."""
        raw = self.detail.get("metadata")
        if isinstance(raw, dict):  # a tolerant reader (decision 0009): ids a newer bus adds are not ours to judge
            raw = {key: value for key, value in raw.items() if key in EventMetadata.model_fields}
        try:
            return EventMetadata.model_validate(raw)
        except ValidationError as error:
            raise InvalidEnvelopeError(f"{self.detail_type} {self.id}: detail.metadata is invalid: {error}") from None

    @property
    def event_id(self) -> str:
        return self.metadata.event_id

    @property
    def correlation_id(self) -> str:
        return self.metadata.correlation_id

    @property
    def causation_id(self) -> str | None:
        return self.metadata.causation_id

    @property
    def source_service(self) -> str:
        """`wingcloud.apps` -> `apps` (any other source as it is)."""
        return service_of(self.source)

    def check_sent(self) -> Event:
        """What a sender publishes is checked strictly: the detail matches the spec exactly, no field it does
        not name (decision 0009); raises InvalidEventError. Returns the typed event, as a receiver reads it."""
        if self.detail_type in events.REGISTRY:
            try:
                events.validate(self.detail_type, self.detail)
            except events.EventValidationError as error:
                raise InvalidEventError(str(error), detail_type=self.detail_type, envelope=self) from None
            # valid as sent, so nothing in it the spec does not name: what a receiver reads is the detail as it
            # is, and the tolerant read (a second validation) has nothing to drop
            if "_opened" not in self.__dict__:
                self.__dict__["_opened"] = events.REGISTRY[self.detail_type].model_validate(self.detail)
        return self.event()

    def event(self) -> Event:
        """The typed event as a receiver reads it, validated against the spec once however many targets it
        reaches: properties the spec does not name are dropped first (a tolerant reader: a field a newer sender
        added breaks no receiver still on the old spec, decision 0009); raises InvalidEventError (every time)
        when the rest breaks the spec."""
        opened = self._opened
        if isinstance(opened, InvalidEventError):
            raise opened
        return opened

    @functools.cached_property
    def _opened(self) -> Event | InvalidEventError:
        if self.detail_type not in events.REGISTRY:
            return InvalidEventError(
                f"{self.detail_type!r} is not a message of the spec", detail_type=self.detail_type, envelope=self
            )
        try:
            detail = events.read(self.detail_type, self.detail)
        except events.EventValidationError as error:
            return InvalidEventError(str(error), detail_type=self.detail_type, envelope=self)
        return events.REGISTRY[self.detail_type].model_validate(detail)

    def replayed(self, name: str) -> Envelope:
        """This envelope as a replay named `name` sends it again."""
        return self.model_copy(update={"replay_name": name})


def service_of(source: str) -> str:
    """`wingcloud.apps` -> `apps`."""
    return source[len(SOURCE_PREFIX) :] if source.startswith(SOURCE_PREFIX) else source


def format_time(moment: datetime, *, whole_seconds: bool = False) -> str:
    """ISO 8601 in UTC with a `Z`, as EventBridge writes `time` (whole seconds) and metadata timestamps."""
    # `2026-12-08T02:35:30.228185+00:00` (no fraction when it is 0); a third of strftime's time
    text = moment.astimezone(UTC).isoformat()
    return (text[:19] if whole_seconds else text[:-6]) + "Z"


__all__ = ["Envelope", "InvalidEnvelopeError", "format_time", "service_of"]
