"""The console's map layout: columns follow the flow of events, back edges are the ones that turn back, and the
same spec always gives the same picture."""

from __future__ import annotations

from adapters.local.console_map import NODE_WIDTH, layout
from spec.contract import Contract


def test_columns_follow_the_flow_and_back_edges_turn_back() -> None:
    drawn = layout(Contract.load())
    column = {n.name: n.column for n in drawn.nodes}
    assert column["github"] < column["apps"] < column["environments"] < column["runtime"]
    assert column["environments"] < column["endpoints"] < column["notifications"]
    back = {link.id for link in drawn.links if link.back}
    assert back == {
        "environments->github",
        "endpoints->github",
        "environments->gitlab",
        "endpoints->gitlab",
        "runtime->environments",
    }
    assert column["gitlab"] == column["github"] == 0  # both ways in lead, though the walk starts at github
    assert column["apps"] < column["secrets"] < column["notifications"]  # secrets hears AppDeleted, tells notifications
    nodes = {n.name for n in drawn.nodes}
    for link in drawn.links:  # every arrow that is not a back edge points to the right
        assert nodes >= {link.sender, link.receiver}
        assert link.back or column[link.sender] < column[link.receiver], link.id


def test_every_arrow_starts_at_its_sender_and_ends_at_its_receiver() -> None:
    drawn = layout(Contract.load())
    nodes = {n.name: n for n in drawn.nodes}
    for link in drawn.links:
        (sx, sy), (ex, ey) = link.points[0], link.points[-1]
        sender, receiver = nodes[link.sender], nodes[link.receiver]
        if link.back:  # from below the sender to below the receiver
            assert sender.x <= sx <= sender.x + NODE_WIDTH and receiver.x <= ex <= receiver.x + NODE_WIDTH
        else:  # from the sender's right side to the receiver's left side
            assert (sx, ex) == (sender.x + NODE_WIDTH, receiver.x)
            assert sender.y <= sy and receiver.y <= ey
        assert min(p[1] for p in link.points) >= 0 and max(p[1] for p in link.points) <= drawn.height


def test_the_same_spec_gives_the_same_map() -> None:
    assert layout(Contract.load()) == layout(Contract.load())
