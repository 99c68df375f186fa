"""Weekly syndromic count tables for disclosure tests: realistic random weeks, the surveillance
numbers of a week (plain Python, the rule of docs/sectors/health.md), and the publication the
old, naive scheme made of them (for the test that shows the attacker breaking it)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from pipelines.generate.world import CITY_WEIGHTS  # the generator's shares of the thirteen cities
from tests.pipelines.lake_oracles.attacker import Week

VISITS_PER_WEEK = 13_000  # the generator at scale 1: about 2,000 visits a day
GROUPS = ("ILI", "URI", "GI", "varicella", "measles", "TB", "other")

Grid = dict[tuple[str, str], int]


def random_week(rng: np.random.Generator, scale: float, ili: float, outbreak: str | None = None) -> Grid:
    """Poisson counts of one week: the generator's syndrome mix, ILI share `ili`, 4x ILI in `outbreak`."""
    shares = {"ILI": ili, "URI": 0.12, "GI": 0.05 * rng.uniform(1.0, 1.5), "varicella": 0.004 * rng.uniform(1.0, 2.5)}
    shares |= {"measles": 0.0003, "TB": 0.002}
    shares["other"] = 1.0 - sum(shares.values())
    grid = {}
    for city, weight in CITY_WEIGHTS.items():
        for group, share in shares.items():
            boost = 4.0 if (city == outbreak and group == "ILI") else 1.0
            grid[(city, group)] = int(rng.poisson(VISITS_PER_WEEK * scale * weight * share * boost))
    return grid


def surveillance(grid: Grid) -> dict[tuple[str, str], dict]:
    """Each cell's visits, city total, baseline and alert flag (docs/sectors/health.md)."""
    city = {c: sum(v for (cc, _), v in grid.items() if cc == c) for c, _ in grid}
    group = {g: sum(v for (_, gg), v in grid.items() if gg == g) for _, g in grid}
    total = sum(grid.values())
    out = {}
    for (c, g), n in grid.items():
        others = total - city[c]
        baseline = round(city[c] * ((group[g] - n) / others), 2) if others > 0 else None
        alert = (
            baseline is not None and n >= 5 and n >= 2 * baseline and 2 * (math.sqrt(n) - math.sqrt(baseline)) >= 3.5
        )
        out[(c, g)] = {"visits": n, "city_visits": city[c], "baseline": baseline, "is_alert": alert}
    return out


def naive_publication(grid: Grid) -> Week:
    """What the old scheme published: counts under 5 suppressed with, when a city-week had exactly
    one, its next smallest cell; baselines of published cells; alert flags of every cell."""
    cells = surveillance(grid)
    week = Week()
    for city in sorted({c for c, _ in grid}):
        row = sorted(((v["visits"] >= 5, v["visits"], g) for (c, g), v in cells.items() if c == city))
        primaries = sum(1 for published, _, _ in row if not published)
        hidden = {g for published, _, g in row if not published}
        if primaries == 1:
            hidden.add(row[1][2])
        for _, n, g in row:
            week.cells[(city, g)] = None if g in hidden else n
            if g not in hidden and cells[(city, g)]["baseline"] is not None:
                week.baselines[(city, g)] = cells[(city, g)]["baseline"]
            week.alerts[(city, g)] = cells[(city, g)]["is_alert"]
    return week


def primary_entries(grid: Mapping[tuple[str, str], int]) -> set:
    """Every entry of the week (cells and margins) under 5: what the attacker is granted to know is small."""
    entries: dict = {}
    for (c, g), n in grid.items():
        for key in ((c, g), (c, None), (None, g), (None, None)):
            entries[key] = entries.get(key, 0) + n
    return {k for k, v in entries.items() if v < 5}
