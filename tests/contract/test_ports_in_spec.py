"""The spec's `x-services.*.ports` name the Protocols of `ports`, and every port a handler can reach is declared
by some service: the spec, the code and the AWS grants (derived from the spec) speak of the same ports."""

from __future__ import annotations

import dataclasses
import typing

import ports
from adapters.eventbridge.stack.topology import OUTSIDE_PORTS, PORT_STORES
from spec.contract import Contract

FIELD_TYPES = {
    field.name: typing.get_type_hints(ports.Ports)[field.name].__name__
    for field in dataclasses.fields(ports.Ports)
    if field.name != "settings"
}


def test_every_port_the_spec_names_is_a_protocol_of_the_ports_bundle() -> None:
    named = {port for service in Contract.load().services.values() for port in service.ports}
    assert named <= set(FIELD_TYPES.values()), sorted(named - set(FIELD_TYPES.values()))
    for name in named:
        assert getattr(getattr(ports, name), "_is_protocol", False), f"{name} is not a typing.Protocol"


def test_every_port_of_the_bundle_is_declared_by_a_service_and_mapped_on_aws() -> None:
    named = {port for service in Contract.load().services.values() for port in service.ports}
    assert set(FIELD_TYPES.values()) <= named, sorted(set(FIELD_TYPES.values()) - named)
    assert named <= set(PORT_STORES) | OUTSIDE_PORTS
