"""The trace: the causal tree of a correlation id and the ordered log of every step."""

from __future__ import annotations

from test_bus_toys import example, kinds, new_bus, service, toy_ports

from bus.trace import TraceNode
from sim.bus import Bus


def shape(nodes: list[TraceNode]) -> list[object]:
    return [
        (n.source_service, n.detail_type, shape(n.children)) if n.children else (n.source_service, n.detail_type)
        for n in nodes
    ]


def three_hops() -> tuple[Bus, str]:
    """apps:AppCreated -> environments -> runtime -> environments, with a side branch at the first hop."""
    bus = new_bus()
    bus.register(
        service(
            "environments",
            AppCreated=lambda e, p: [example("EnvironmentCreated"), example("EnvironmentDeployRequested")],
            RuntimeProvisioned=lambda e, p: [example("EnvironmentStatusChanged")],
        ),
        toy_ports(),
    )
    bus.register(
        service("runtime", EnvironmentDeployRequested=lambda e, p: [example("RuntimeProvisioned")]), toy_ports()
    )
    (root,) = bus.publish("apps", [example("AppCreated")])
    bus.publish("apps", [example("AppDeleted")])  # another correlation, must not leak in
    bus.run_until_quiet()
    return bus, root.correlation_id


def test_the_causal_tree_follows_causation_ids_across_three_hops() -> None:
    bus, correlation = three_hops()
    assert shape(bus.trace.tree(correlation)) == [
        (
            "apps",
            "AppCreated",
            [
                ("environments", "EnvironmentCreated"),
                (
                    "environments",
                    "EnvironmentDeployRequested",
                    [("runtime", "RuntimeProvisioned", [("environments", "EnvironmentStatusChanged")])],
                ),
            ],
        )
    ]


def test_events_lists_the_published_envelopes_of_one_correlation_in_order() -> None:
    bus, correlation = three_hops()
    published = bus.trace.events(correlation)
    assert [e.detail_type for e in published] == [
        "AppCreated",
        "EnvironmentCreated",
        "EnvironmentDeployRequested",
        "RuntimeProvisioned",
        "EnvironmentStatusChanged",
    ]
    by_id = {e.id: e for e in published}
    for envelope in published[1:]:
        assert envelope.causation_id in by_id
    assert bus.trace.events("no-such-correlation") == [] and bus.trace.tree("no-such-correlation") == []


def test_the_ordered_log_of_one_correlation() -> None:
    """Deliveries run in (due time, publish order): a handler's events queue behind what was already due."""
    bus, correlation = three_hops()
    assert kinds(bus, correlation) == [
        ("published", "AppCreated", None),
        ("delivered", "AppCreated", "environments"),
        ("published", "EnvironmentCreated", None),
        ("published", "EnvironmentDeployRequested", None),
        ("delivered", "EnvironmentDeployRequested", "runtime"),
        ("published", "RuntimeProvisioned", None),
        ("delivered", "RuntimeProvisioned", "environments"),
        ("published", "EnvironmentStatusChanged", None),
        ("delivered", "EnvironmentStatusChanged", "runtime"),  # the example is `running`: runtime retires
    ]


def test_records_are_numbered_in_order_and_filtered_by_correlation() -> None:
    bus, correlation = three_hops()
    everything = bus.trace.records()
    assert [r.seq for r in everything] == list(range(1, len(everything) + 1))
    mine = bus.trace.records(correlation)
    assert mine == [r for r in everything if r.correlation_id == correlation]
    assert {r.detail_type for r in everything} - {r.detail_type for r in mine} == {"AppDeleted"}
    delivered = [r for r in mine if r.kind == "delivered"]
    assert all(r.target == f"{r.target_service}--{r.detail_type}" and r.attempt == 1 for r in delivered)
