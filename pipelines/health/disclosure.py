"""Disclosure control of the open weekly syndromic tables: which counts of a week may be published.

A week is a table of cities x syndrome groups together with its margins: the city totals
(`open_health_weekly.city_visits`), the province totals (`open_health_weekly_province`)
and the week's total (their sum). Baselines and alert flags are published only where they
are functions of published entries (`pipelines.health.gold`), so what an attacker can know
of a week is exactly: the published entries, the additivity of the table (cells add up to
their city's and the province's totals, and both to the week's), and the rule itself. We
grant the attacker more than the publication says: which suppressed entries are primary
(under MIN_PUBLISHED, so 0..4) and which are complementary (at least MIN_PUBLISHED).

`protect_week` suppresses every entry under MIN_PUBLISHED (zeros included) and adds
complementary suppressions until every suppressed entry keeps at least PROTECTED_VALUES
feasible integer values under that knowledge.

Why the audit is exact: the table with its margins is a circulation on a small network
(a node per city and per group, a source and a sink; a cell is an arc city -> group, a
city total source -> city, a province total group -> sink, the week's total sink ->
source; conservation at each node is additivity). The tables an attacker cannot tell
apart from the true one are the integer circulations within the entries' bounds, so how
far an entry can move up is the maximum flow from its head back to its tail in the
residual network of the true table, excluding the entry itself; down, the reverse. Network
matrices are totally unimodular, so these bounds are integral and every value between
them is feasible. Complementary suppressions are chosen by a minimum-cost flow that may
open published entries (per unit: a cell's count, twice a province total's, city and week
totals only as a last resort, a cell that alerts only when nothing else can).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Mapping

MIN_PUBLISHED = 5  # counts under this are never published
PROTECTED_VALUES = 3  # feasible values every suppressed entry keeps, at least
_MOVES = PROTECTED_VALUES - 1  # units an entry must be able to move, up and down together
_UNBOUNDED = 10**12
_ALERT_COST = 10**6
_CITY_TOTAL_COST = 10**7
_WEEK_TOTAL_COST = 10**8

Entry = tuple[str | None, str | None]
"""(city, group) a cell; (city, None) a city total; (None, group) a province total; (None, None) the week."""
Node = tuple[str, ...]
SOURCE: Node = ("source",)
SINK: Node = ("sink",)


def week_entries(counts: Mapping[tuple[str, str], int]) -> dict[Entry, int]:
    """The cells of a week with their margins.

    Args:
        counts: visits per (city, group); every group of every city that had visits.

    Returns:
        Every entry (see `Entry`) with its value.
    """
    entries: dict[Entry, int] = defaultdict(int)
    for (city, group), n in counts.items():
        entries[(city, group)] += n
        entries[(city, None)] += n
        entries[(None, group)] += n
        entries[(None, None)] += n
    return dict(entries)


def bounds(value: int) -> tuple[int, int]:
    """What an attacker knows of a suppressed entry: 0..4 when primary, at least 5 when complementary."""
    return (0, MIN_PUBLISHED - 1) if value < MIN_PUBLISHED else (MIN_PUBLISHED, _UNBOUNDED)


def _arc(entry: Entry) -> tuple[Node, Node]:
    """(tail, head) of an entry's arc in the week's network."""
    city, group = entry
    if city is not None and group is not None:
        return ("city", city), ("group", group)
    if city is not None:
        return SOURCE, ("city", city)
    if group is not None:
        return ("group", group), SINK
    return SINK, SOURCE


def _residual(entries: Mapping[Entry, int], suppressed: Collection[Entry], skip: Entry) -> dict[Node, dict[Node, int]]:
    """Residual capacities of the true table: how far each suppressed entry can move up (forward) and down."""
    capacity: dict[Node, dict[Node, int]] = defaultdict(dict)
    for entry in suppressed:
        if entry == skip:
            continue
        value = entries[entry]
        low, high = bounds(value)
        tail, head = _arc(entry)
        capacity[tail][head] = high - value
        capacity[head][tail] = value - low
    return capacity


def _max_flow(capacity: Mapping[Node, Mapping[Node, int]], source: Node, sink: Node, limit: int) -> int:
    """Maximum flow from `source` to `sink`, stopping at `limit` (Edmonds-Karp)."""
    residual = {u: dict(out) for u, out in capacity.items()}
    flow = 0
    while flow < limit:
        parent: dict[Node, Node | None] = {source: None}
        queue = deque([source])
        while queue and sink not in parent:
            u = queue.popleft()
            for v, c in residual.get(u, {}).items():
                if c > 0 and v not in parent:
                    parent[v] = u
                    queue.append(v)
        if sink not in parent:
            break
        path: list[tuple[Node, Node]] = []
        node = sink
        while (previous := parent[node]) is not None:
            path.append((previous, node))
            node = previous
        push = min(limit - flow, *(residual[u][v] for u, v in path))
        for u, v in path:
            residual[u][v] -= push
            residual.setdefault(v, {})[u] = residual.get(v, {}).get(u, 0) + push
        flow += push
    return flow


def feasible_range(
    entries: Mapping[Entry, int], suppressed: Collection[Entry], entry: Entry, limit: int = _UNBOUNDED
) -> tuple[int, int]:
    """The smallest and largest value of `entry` in a table the attacker cannot rule out.

    Args:
        entries: the week's true entries (`week_entries`).
        suppressed: the entries not published.
        entry: the entry asked about.
        limit: stop searching once the entry is known to move this far up (and down).

    Returns:
        (lowest, highest), exact when the entry moves less than `limit` either way.
    """
    value = entries[entry]
    if entry not in suppressed:
        return value, value
    low, high = bounds(value)
    tail, head = _arc(entry)
    capacity = _residual(entries, suppressed, entry)
    up = _max_flow(capacity, head, tail, min(limit, high - value))
    down = _max_flow(capacity, tail, head, min(limit, value - low))
    return value - down, value + up


def is_protected(entries: Mapping[Entry, int], suppressed: Collection[Entry], entry: Entry) -> bool:
    """True when a suppressed entry keeps at least PROTECTED_VALUES feasible values."""
    low, high = feasible_range(entries, suppressed, entry, _MOVES)
    return high - low >= _MOVES


class _Graph:
    """A flow network with per-unit costs; each arc remembers the entry it stands for."""

    def __init__(self) -> None:
        # node -> [head, capacity, cost, index of the reverse arc, entry, initial capacity]
        self.arcs: dict[Node, list[list]] = defaultdict(list)

    def add(self, tail: Node, head: Node, capacity: int, cost: int, entry: Entry) -> None:
        if capacity <= 0:
            return
        self.arcs[tail].append([head, capacity, cost, len(self.arcs[head]), entry, capacity])
        self.arcs[head].append([tail, 0, -cost, len(self.arcs[tail]) - 1, entry, 0])

    def cheapest(self, source: Node, sink: Node, amount: int) -> tuple[int, set[Entry]] | None:
        """Send `amount` units at least cost (successive shortest paths); the cost and the entries opened.

        Returns None when `amount` cannot be sent.
        """
        total = sent = 0
        while sent < amount:
            dist: dict[Node, int] = {source: 0}
            previous: dict[Node, tuple[Node, int]] = {}
            queue, queued = deque([source]), {source}
            while queue:
                u = queue.popleft()
                queued.discard(u)
                for i, (v, capacity, cost, *_) in enumerate(self.arcs[u]):
                    if capacity > 0 and dist[u] + cost < dist.get(v, _UNBOUNDED * _UNBOUNDED):
                        dist[v], previous[v] = dist[u] + cost, (u, i)
                        if v not in queued:
                            queue.append(v)
                            queued.add(v)
            if sink not in dist:
                return None
            path, v = [], sink
            while v != source:
                u, i = previous[v]
                path.append(self.arcs[u][i])
                v = u
            push = min(amount - sent, *(arc[1] for arc in path))
            for arc in path:
                arc[1] -= push
                self.arcs[arc[0]][arc[3]][1] += push
            total += push * dist[sink]
            sent += push
        opened = {arc[4] for out in self.arcs.values() for arc in out if arc[2] > 0 and arc[1] < arc[5]}
        return total, opened


def _opening_cost(entry: Entry, value: int, alerts: Collection[Entry]) -> int:
    """Per-unit cost of suppressing a published entry as a complement."""
    city, group = entry
    if city is not None and group is not None:
        return value + (_ALERT_COST if entry in alerts else 0)
    if group is not None:
        return 2 * value
    return _CITY_TOTAL_COST if city is not None else _WEEK_TOTAL_COST


def _opening_graph(
    entries: Mapping[Entry, int], suppressed: Collection[Entry], skip: Entry, alerts: Collection[Entry]
) -> _Graph:
    """Residual network of the true table where published entries may be opened at a cost."""
    graph = _Graph()
    for entry, value in entries.items():
        if entry == skip:
            continue
        low, high = bounds(value)
        tail, head = _arc(entry)
        cost = 0 if entry in suppressed else _opening_cost(entry, value, alerts)
        graph.add(tail, head, high - value, cost, entry)
        graph.add(head, tail, value - low, cost, entry)
    return graph


def _complements(
    entries: Mapping[Entry, int], suppressed: Collection[Entry], entry: Entry, alerts: Collection[Entry]
) -> set[Entry]:
    """The cheapest published entries whose suppression lets `entry` move _MOVES units (up + down)."""
    value = entries[entry]
    low, high = bounds(value)
    tail, head = _arc(entry)
    best: tuple[int, set[Entry]] | None = None
    for up in range(_MOVES + 1):
        down = _MOVES - up
        if up > high - value or down > value - low:
            continue
        raised = _opening_graph(entries, suppressed, entry, alerts).cheapest(head, tail, up)
        lowered = _opening_graph(entries, suppressed, entry, alerts).cheapest(tail, head, down)
        if raised is None or lowered is None:
            continue
        cost = raised[0] + lowered[0]
        if best is None or cost < best[0]:
            best = (cost, raised[1] | lowered[1])
    return best[1] if best else set(entries) - set(suppressed)


def protect_week(counts: Mapping[tuple[str, str], int], alerts: Collection[tuple[str, str]] = ()) -> frozenset[Entry]:
    """The entries of a week to suppress: primary (under MIN_PUBLISHED) plus complementary ones.

    Args:
        counts: visits per (city, group) of one week, every group of every city-week.
        alerts: cells that alert; chosen as complements only when nothing else protects.

    Returns:
        The suppressed entries (cells and margins); every one keeps at least PROTECTED_VALUES
        feasible values for an attacker who knows all the others and the rule. The same counts
        give the same entries whatever their order.
    """
    # Sorted: the same week always gets the same pattern (the two open tables are built apart).
    entries = week_entries(dict(sorted(counts.items())))
    suppressed = {e for e, v in entries.items() if v < MIN_PUBLISHED}

    def order(e: Entry) -> tuple[int, str]:
        return entries[e], str(e)

    pending = sorted(suppressed, key=order)
    while pending:
        entry = pending.pop(0)
        if is_protected(entries, suppressed, entry):
            continue
        opened = _complements(entries, suppressed, entry, alerts) - suppressed
        if not opened:  # nothing left to open: every entry is suppressed, which protects all
            return frozenset(entries)
        suppressed |= opened
        pending = [entry, *sorted(set(pending) | opened, key=order)]
    return frozenset(suppressed)
