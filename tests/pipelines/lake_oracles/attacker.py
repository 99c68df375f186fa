"""An attacker on the published weekly syndromic tables (plain Python + scipy; no pipeline code).

From one week's published rows of `gold.open_health_weekly` (and of
`gold.open_health_weekly_province` when there is one) it

1. takes every published count: cells, city totals (`city_visits`), province totals;
2. derives what the published baselines give away. A baseline is
   `b = round(N_c (G_g - x) / (T - N_c), 2)` (docs/sectors/health.md) for the city's total
   N_c, the group's province total G_g and the week's total T. With s_c = (T - N_c) / N_c
   each baseline is linear, `G_g - b s_c = x`: least squares gives s and G, a search over
   the integers T then gives exact N_c, and a candidate is kept only when it reproduces
   every published baseline (the smallest one: the formula is scale-free);
3. reads published alert flags of suppressed cells as bounds (the alert rule is monotone
   in the count once the margins are known);
4. solves, for every suppressed entry, its least and greatest value over the integer
   tables that agree with all of that (an integer program per bound: scipy's MILP, exact
   on these small integer systems).

It is granted more than any publication says: which suppressed entries are under 5 (then
0..4) and which are not (then at least 5).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

SMALL = 5  # published counts are at least this; primary suppressions are under it
_BIG = 10**7
_ROUNDING = 0.005 + 1e-9  # baselines are published to 2 decimals

Entry = tuple[str | None, str | None]  # (city, group) cell, (city, None) city total, (None, group) province total


@dataclass
class Week:
    """What one week's publication says."""

    cells: dict[tuple[str, str], int | None] = field(default_factory=dict)  # None: suppressed
    baselines: dict[tuple[str, str], float] = field(default_factory=dict)
    alerts: dict[tuple[str, str], bool] = field(default_factory=dict)
    city_totals: dict[str, int | None] = field(default_factory=dict)  # absent: not published at all
    province_totals: dict[str, int | None] = field(default_factory=dict)

    @property
    def cities(self) -> list[str]:
        return sorted({c for c, _ in self.cells})

    @property
    def groups(self) -> list[str]:
        return sorted({g for _, g in self.cells})


@dataclass
class Margins:
    """Totals the attacker knows exactly, published or derived."""

    city: dict[str, int]
    province: dict[str, int]
    week: int | None


def weeks_from_rows(cell_rows: Iterable[Mapping], province_rows: Iterable[Mapping] = ()) -> dict[str, Week]:
    """Published rows (dicts with the open tables' columns) -> one `Week` per iso_week."""
    weeks: dict[str, Week] = {}
    for r in cell_rows:
        week = weeks.setdefault(r["iso_week"], Week())
        key = (r["city_code"], r["syndrome_group"])
        week.cells[key] = r["visits"]
        if r.get("baseline") is not None:
            week.baselines[key] = r["baseline"]
        if r.get("is_alert") is not None:
            week.alerts[key] = r["is_alert"]
        if "city_visits" in r:
            week.city_totals[r["city_code"]] = r["city_visits"]
    for r in province_rows:
        weeks.setdefault(r["iso_week"], Week()).province_totals[r["syndrome_group"]] = r["visits"]
    return weeks


def _baseline(n_city: int, n_group: int, x: int, total: int) -> float | None:
    return n_city * (n_group - x) / (total - n_city) if total > n_city else None


def explains(week: Week, margins: Margins) -> bool:
    """True when every published baseline and alert flag is the rule applied to `margins` and the
    published cells, i.e. they tell the attacker nothing beyond those numbers."""
    for (c, g), b in week.baselines.items():
        x = week.cells[(c, g)]
        if x is None or c not in margins.city or g not in margins.province or margins.week is None:
            return False
        expected = _baseline(margins.city[c], margins.province[g], x, margins.week)
        if expected is None or abs(expected - b) > _ROUNDING:
            return False
    return all(
        (c, g) in week.baselines and _alert(week.cells[(c, g)], week.baselines[(c, g)]) == flag
        for (c, g), flag in week.alerts.items()
    )


def _group_totals(week: Week, s: Mapping[str, float]) -> dict[str, float]:
    """G_g = x + b s_c, the median over the group's published baselines."""
    per_group: dict[str, list[float]] = {}
    for (c, g), b in week.baselines.items():
        if c in s:
            per_group.setdefault(g, []).append(week.cells[(c, g)] + b * s[c])
    return {g: float(np.median(v)) for g, v in per_group.items()}


def _ratios(week: Week) -> dict[str, float] | None:
    """s_c = (T - N_c) / N_c from the baselines alone.

    The baselines fix s only up to a near-exact scale (the cells are small next to b s), which
    the identity sum_c N_c / T = sum_c 1 / (1 + s_c) = 1 settles: scan the integer total of the
    group published in most cities and keep the one that satisfies it best.
    """
    keys = list(week.baselines)
    cities = sorted({c for c, _ in keys})
    if cities != week.cities:
        return None
    groups = sorted({g for _, g in keys})
    a = np.zeros((len(keys), len(cities) + len(groups)))
    for i, (c, g) in enumerate(keys):
        a[i, cities.index(c)] = -week.baselines[(c, g)]
        a[i, len(cities) + groups.index(g)] = 1.0
    rhs = np.array([week.cells[k] for k in keys], dtype=float)
    estimate = dict(zip(groups, np.linalg.lstsq(a, rhs, rcond=None)[0][len(cities) :], strict=True))
    ref = max(groups, key=lambda g: (sum((c, g) in week.baselines for c in cities), estimate[g]))

    def ratios(total_ref: int) -> dict[str, float]:
        s = {c: (total_ref - week.cells[(c, ref)]) / week.baselines[(c, ref)] for c in cities if (c, ref) in keys}
        totals = _group_totals(week, s)
        for c in set(cities) - set(s):
            s[c] = float(
                np.median([(totals[g] - week.cells[(c, g)]) / b for (cc, g), b in week.baselines.items() if cc == c])
            )
        return s

    def misfit(total_ref: int) -> float:
        return abs(sum(1 / (1 + v) for v in ratios(total_ref).values()) - 1)

    centre = round(estimate[ref])
    return ratios(min(range(centre - 300, centre + 301), key=misfit))


def derive_margins(week: Week) -> Margins:
    """Every total the publication gives away exactly (published, or solved from the baselines)."""
    city = {c: v for c, v in week.city_totals.items() if v is not None}
    province = {g: v for g, v in week.province_totals.items() if v is not None}
    total = sum(city.values()) if len(city) == len(week.cities) else None
    if not week.baselines:
        return Margins(city, province, total)
    if total is not None:
        s = {c: (total - n) / n for c, n in city.items()}
    elif (ratios := _ratios(week)) is not None:
        s = ratios
    else:
        return Margins(city, province, total)
    solved_groups = {g: round(v) for g, v in _group_totals(week, s).items()}
    published = sum(v for v in week.cells.values() if v is not None)
    candidates = [total] if total is not None else range(published, published + 200 + 60 * len(week.cells))
    found = []
    for t in candidates:
        exact = {c: t / (1 + v) for c, v in s.items()}
        if any(abs(v - round(v)) > 0.25 for v in exact.values()):
            continue
        solved_city = {c: round(v) for c, v in exact.items()}
        if sum(solved_city.values()) != t:
            continue
        candidate = Margins({**solved_city, **city}, {**solved_groups, **province}, t)
        if _fits_baselines(week, candidate):
            found.append(candidate)
    # The formula is scale-free (doubling every total gives the same baselines): the smallest
    # table that fits is the true one, since only a few small cells are missing from the published sum.
    return found[0] if found else Margins(city, province, total)


def _fits_baselines(week: Week, margins: Margins) -> bool:
    return explains(Week(week.cells, week.baselines), margins)


def _alert(x: int, b: float) -> bool:
    return x >= SMALL and x >= 2 * b and 2 * (math.sqrt(x) - math.sqrt(max(b, 0.0))) >= 3.5


def intervals(week: Week, margins: Margins, primary: Collection[Entry]) -> dict[Entry, tuple[int, int]]:
    """Least and greatest value of every suppressed entry (cells, city and province totals) over all
    integer tables consistent with the publication, the derived margins and the granted knowledge.

    Args:
        week: the publication.
        margins: `derive_margins(week)`.
        primary: the suppressed entries whose true value is under 5 (the rest are at least 5).

    Raises:
        AssertionError: when no table fits (the attacker's derivation would be wrong).
    """
    hidden = [k for k, v in week.cells.items() if v is None]
    if not hidden:
        return {}
    index = {k: i for i, k in enumerate(hidden)}
    top = margins.week if margins.week is not None else _BIG
    low = np.array([0.0 if k in primary else SMALL for k in hidden])
    high = np.array([SMALL - 1.0 if k in primary else top for k in hidden])
    rows, row_low, row_high = [], [], []

    def constrain(keys: list[tuple[str, str]], lo: float, hi: float) -> None:
        known = sum(week.cells[k] for k in keys if week.cells[k] is not None)
        row = np.zeros(len(hidden))
        for k in keys:
            if k in index:
                row[index[k]] = 1.0
        rows.append(row)
        row_low.append(lo - known)
        row_high.append(hi - known)

    def margin(keys: list[tuple[str, str]], value: int | None, entry: Entry, seen: bool) -> None:
        if value is not None:
            constrain(keys, value, value)
        elif seen:  # published as suppressed: granted primary or not
            constrain(keys, *((0, SMALL - 1) if entry in primary else (SMALL, np.inf)))

    for c in week.cities:
        margin([(c, g) for g in week.groups], margins.city.get(c), (c, None), c in week.city_totals)
    for g in week.groups:
        margin([(c, g) for c in week.cities], margins.province.get(g), (None, g), g in week.province_totals)
    if margins.week is not None:
        constrain(list(week.cells), margins.week, margins.week)
    for (c, g), flag in week.alerts.items():
        n_city, n_group, total = margins.city.get(c), margins.province.get(g), margins.week
        if (c, g) not in index or None in (n_city, n_group, total):
            continue
        i = index[(c, g)]
        values = range(int(low[i]), int(min(high[i], n_group, n_city)) + 1)
        allowed = [
            x
            for x in values
            if (b := _baseline(n_city, n_group, x, total)) is not None and _alert(x, round(b, 2)) == flag
        ]
        assert allowed, f"no count of {(c, g)} matches its published alert flag"
        low[i], high[i] = max(low[i], min(allowed)), min(high[i], max(allowed))
    constraints = [LinearConstraint(np.array(rows), row_low, row_high)] if rows else []
    asked: dict[Entry, tuple[np.ndarray, int]] = {k: (np.eye(len(hidden))[index[k]], 0) for k in hidden}
    for c in week.cities:
        if c in week.city_totals and week.city_totals[c] is None:
            keys = [(c, g) for g in week.groups]
            asked[(c, None)] = _expression(keys, index, week)
    for g in week.groups:
        if g in week.province_totals and week.province_totals[g] is None:
            keys = [(c, g) for c in week.cities]
            asked[(None, g)] = _expression(keys, index, week)
    out = {}
    for entry, (objective, constant) in asked.items():
        bound = []
        for sign in (1.0, -1.0):
            result = milp(
                sign * objective, constraints=constraints, integrality=np.ones(len(hidden)), bounds=Bounds(low, high)
            )
            assert result.status == 0, f"{entry}: no table fits the publication ({result.message})"
            bound.append(round(sign * result.fun) + constant)
        out[entry] = (bound[0], bound[1])
    return out


def _expression(keys: list[tuple[str, str]], index: Mapping, week: Week) -> tuple[np.ndarray, int]:
    row = np.zeros(len(index))
    for k in keys:
        if k in index:
            row[index[k]] = 1.0
    return row, sum(week.cells[k] for k in keys if week.cells[k] is not None)


def exposed(found: Mapping[Entry, tuple[int, int]], at_most: int = 2) -> dict[Entry, tuple[int, int]]:
    """The entries the attacker narrowed to `at_most` possible values or fewer."""
    return {k: (lo, hi) for k, (lo, hi) in found.items() if hi - lo + 1 <= at_most}
