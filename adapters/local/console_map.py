"""The console's map of the system: the spec's service graph (the one `wingcloud spec graph` prints and the docs
draw), laid out in columns that follow the flow of events. Pure: no I/O, the same map for the same spec.

Layout, in three steps a reader can check by eye:
1. Cycles are broken where the flow turns back: a depth-first walk from the services that outside triggers
   feed, in the spec's order of services (the spec lists them along the flow: github, gitlab, apps,
   environments...), marks each edge into a service still on the walk as a *back* edge (environments -> github:
   the comment). The leading services (those hearing from no service listed before them: the ways in) count
   as on the walk from the start, so environments -> gitlab turns back too, though the walk began at github.
2. A service's column is its longest path from a source over the other edges; a source that feeds only later
   columns moves up next to the first of them (secrets sits by notifications, not at the far left).
3. Within a column, services are ordered by the mean row of their neighbours in the previous column (a few
   sweeps of the barycenter heuristic), which keeps most edges short and uncrossed.
4. Arrows never cross a service: an arrow that spans columns passes each column in between through the gap
   between two services nearest its straight line; a back edge leaves its sender from below and enters its
   receiver from below, through the gaps under them. Arrows sharing a gap get lanes of their own, and arrows
   meeting at one side of a service get ports of their own along it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from spec.contract import Contract
from spec.graph import build_graph, service_edges

NODE_WIDTH, NODE_HEIGHT = 150, 64
COLUMN_GAP, ROW_GAP, MARGIN = 78, 44, 30
LANE = 7  # pixels between arrows sharing a gap


@dataclass(frozen=True)
class Node:
    name: str
    column: int
    row: int
    x: int
    y: int


@dataclass(frozen=True)
class Link:
    """Every message one service sends another, drawn as one arrow."""

    sender: str
    receiver: str
    messages: tuple[str, ...]
    back: bool  # against the flow: leaves and enters from below
    points: tuple[tuple[int, int], ...] = ()  # start, the gaps it passes, end

    @property
    def id(self) -> str:
        return f"{self.sender}->{self.receiver}"


@dataclass(frozen=True)
class Layout:
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    width: int
    height: int


def links_of(contract: Contract) -> dict[tuple[str, str], list[str]]:
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for sender, message, receiver in service_edges(build_graph(contract)):
        grouped[(sender, receiver)].append(message)
    return dict(grouped)


def _back_edges(order: list[str], edges: set[tuple[str, str]], roots: list[str]) -> set[tuple[str, str]]:
    rank = {name: i for i, name in enumerate(order)}
    successors: dict[str, list[str]] = defaultdict(list)
    for sender, receiver in sorted(edges, key=lambda e: (rank[e[0]], rank[e[1]])):
        successors[sender].append(receiver)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1: on the walk, 2: done
    # The spec's leading services that hear from no service listed before them (github, gitlab: the ways in)
    # are all on the walk from the start, so what flows back into any of them is a back edge, whichever
    # of them the walk started from.
    leading: list[str] = []
    for name in order:
        if any((sender, name) in edges for sender in order[: rank[name]]):
            break
        leading.append(name)
    state.update(dict.fromkeys(leading, 1))

    def walk(node: str) -> None:
        state[node] = 1
        for nxt in successors[node]:
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                walk(nxt)
        state[node] = 2

    for root in leading:
        walk(root)
    for root in [*roots, *order]:
        if root not in state:
            walk(root)
    return back


def _columns(order: list[str], forward: set[tuple[str, str]]) -> dict[str, int]:
    preds: dict[str, set[str]] = defaultdict(set)
    succs: dict[str, set[str]] = defaultdict(set)
    for sender, receiver in forward:
        preds[receiver].add(sender)
        succs[sender].add(receiver)
    column: dict[str, int] = {}

    def longest(node: str) -> int:
        if node not in column:
            column[node] = 1 + max((longest(p) for p in preds[node]), default=-1)
        return column[node]

    for name in order:
        longest(name)
    for name in order:  # a source moves next to the first column it feeds
        if not preds[name] and succs[name]:
            column[name] = max(column[name], min(column[s] for s in succs[name]) - 1)
    return column


def layout(contract: Contract) -> Layout:
    order = list(contract.services)
    grouped = links_of(contract)
    edges = set(grouped)
    roots = [name for name in order if contract.services[name].triggers]
    back = _back_edges(order, edges, roots)
    column = _columns(order, edges - back)
    columns: dict[int, list[str]] = defaultdict(list)
    for name in order:
        columns[column[name]].append(name)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for sender, receiver in edges:
        neighbours[sender].add(receiver)
        neighbours[receiver].add(sender)
    for _ in range(4):
        for c in sorted(columns)[1:]:
            before = {name: i for i, name in enumerate(columns.get(c - 1, []))}
            now = {name: i for i, name in enumerate(columns[c])}

            def weight(name: str, before: dict[str, int] = before, now: dict[str, int] = now) -> float:
                rows = [before[n] for n in neighbours[name] if n in before]
                return sum(rows) / len(rows) if rows else float(now[name])

            columns[c].sort(key=weight)
    tallest = max(len(names) for names in columns.values())
    inner = tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP
    nodes: dict[str, Node] = {}
    for c, names in sorted(columns.items()):
        span = len(names) * NODE_HEIGHT + (len(names) - 1) * ROW_GAP
        top = MARGIN + (inner - span) // 2
        for row, name in enumerate(names):
            x = MARGIN + c * (NODE_WIDTH + COLUMN_GAP)
            nodes[name] = Node(name, c, row, x, top + row * (NODE_HEIGHT + ROW_GAP))
    links = [
        Link(sender, receiver, tuple(messages), (sender, receiver) in back or column[receiver] <= column[sender])
        for (sender, receiver), messages in sorted(grouped.items())
    ]
    routed = _route(links, nodes, columns)
    width = 2 * MARGIN + len(columns) * NODE_WIDTH + (len(columns) - 1) * COLUMN_GAP
    height = 2 * MARGIN + inner + ROW_GAP  # the gap under the lowest service carries back edges
    return Layout(tuple(nodes[n] for _, names in sorted(columns.items()) for n in names), routed, width, height)


def _gaps(column: list[str], nodes: dict[str, Node]) -> list[int]:
    """The y of each gap of a column, top to bottom: above its first service, between two, below its last."""
    tops = [nodes[n].y for n in column]
    return [tops[0] - ROW_GAP // 2] + [t + NODE_HEIGHT + ROW_GAP // 2 for t in tops]


def _route(links: list[Link], nodes: dict[str, Node], columns: dict[int, list[str]]) -> tuple[Link, ...]:
    def mid(name: str) -> tuple[int, int]:
        node = nodes[name]
        return node.x + NODE_WIDTH // 2, node.y + NODE_HEIGHT // 2

    def below(name: str) -> int:  # the gap under a service
        return nodes[name].y + NODE_HEIGHT + ROW_GAP // 2

    def nearest(c: int, y: float) -> int:
        return min(_gaps(columns[c], nodes), key=lambda g: (abs(g - y), g))

    # 1. the gaps each link passes: (column, gap y)
    passes: dict[str, list[tuple[int, int]]] = {}
    for link in links:
        sy, ry = mid(link.sender)[1], mid(link.receiver)[1]
        cs, cr = nodes[link.sender].column, nodes[link.receiver].column
        if link.back:
            way = [(cs, below(link.sender))]
            way += [(c, nearest(c, below(link.sender))) for c in range(cs - 1, cr, -1)]
            way += [(cr, below(link.receiver))] if cr != cs else []
        else:
            way = [(c, nearest(c, sy + (ry - sy) * (c - cs) / (cr - cs))) for c in range(cs + 1, cr)]
        passes[link.id] = way
    # 2. lanes: the links through one gap are spread across it
    sharing: dict[tuple[int, int], list[str]] = defaultdict(list)
    for link in links:
        for gap in passes[link.id]:
            sharing[gap].append(link.id)

    def lane(gap: tuple[int, int], link_id: str) -> int:
        users = sharing[gap]
        return round((users.index(link_id) - (len(users) - 1) / 2) * LANE)

    # 3. ports: arrows meeting at one side of a service are spread along it, in the order of where they come from
    ends: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
    for link in links:
        way = passes[link.id]
        first = way[0][1] if way else mid(link.receiver)[1]
        last = way[-1][1] if way else mid(link.sender)[1]
        if link.back:
            ends[(link.sender, "bottom")].append((nodes[link.receiver].x, link.id))
            ends[(link.receiver, "bottom")].append((nodes[link.sender].x, link.id))
        else:
            ends[(link.sender, "right")].append((first, link.id))
            ends[(link.receiver, "left")].append((last, link.id))

    def port(name: str, side: str, link_id: str) -> tuple[int, int]:
        node, users = nodes[name], sorted(ends[(name, side)])
        i = [u for _, u in users].index(link_id) + 1
        if side == "bottom":
            return node.x + i * NODE_WIDTH // (len(users) + 1), node.y + NODE_HEIGHT
        x = node.x + NODE_WIDTH if side == "right" else node.x
        return x, node.y + 8 + i * (NODE_HEIGHT - 16) // (len(users) + 1)

    def through(c: int, y: int, leftward: bool) -> list[tuple[int, int]]:
        """Across column `c` at height `y`: straight, in its gap, from one side of the column to the other."""
        left, right = MARGIN + c * (NODE_WIDTH + COLUMN_GAP), MARGIN + c * (NODE_WIDTH + COLUMN_GAP) + NODE_WIDTH
        return [(right, y), (left, y)] if leftward else [(left, y), (right, y)]

    routed = []
    for link in links:
        start = port(link.sender, "bottom" if link.back else "right", link.id)
        end = port(link.receiver, "bottom" if link.back else "left", link.id)
        way = [(c, y + lane((c, y), link.id)) for c, y in passes[link.id]]
        if link.back:
            (cs, ys), *between = way
            (cr, yr) = between.pop() if nodes[link.receiver].column != cs else (cs, ys)
            points = [start, (start[0], ys), through(cs, ys, True)[1]]
            for c, y in between:
                points += through(c, y, True)
            points += [through(cr, yr, True)[0], (end[0], yr), end] if cr != cs else [(end[0], ys), end]
        else:
            points = [start]
            for c, y in way:
                points += through(c, y, False)
            points.append(end)
        routed.append(replace(link, points=tuple(points)))
    return tuple(routed)
