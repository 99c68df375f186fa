"""Disclosure control of a week's counts (`pipelines.health.disclosure`), on plain Python tables:
the exact audit against brute-force enumeration on tiny tables, and realistic weeks of 13 cities x
7 syndrome groups against an independent attacker that solves integer programs over everything
published (and is shown to break the old scheme)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipelines.health.disclosure import (
    MIN_PUBLISHED,
    PROTECTED_VALUES,
    bounds,
    feasible_range,
    protect_week,
    week_entries,
)
from tests.pipelines.lake_oracles.attacker import Week, derive_margins, exposed, intervals
from tests.pipelines.lake_oracles.syndromic_weeks import CITY_WEIGHTS, naive_publication, primary_entries, random_week


def publication(grid: dict, suppressed: frozenset) -> Week:
    """The numbers the open tables publish for a pattern: cells, city totals and province totals."""
    entries = week_entries(grid)
    week = Week()
    week.cells = {k: None if k in suppressed else v for k, v in grid.items()}
    week.city_totals = {c: None if (c, None) in suppressed else entries[(c, None)] for c, _ in grid}
    week.province_totals = {g: None if (None, g) in suppressed else entries[(None, g)] for _, g in grid}
    return week


def _brute_force(grid: dict, suppressed: set, entry: tuple) -> tuple[int, int]:
    """Least and greatest value of `entry` over every table agreeing with the published entries."""
    entries = week_entries(grid)
    total = entries[(None, None)]
    hidden = [k for k in grid if k in suppressed]
    ranges = [range(lo, min(hi, total) + 1) for lo, hi in (bounds(grid[k]) for k in hidden)]
    assume(math.prod(len(r) for r in ranges) <= 20_000)
    seen = []
    for values in itertools.product(*ranges):
        table = {**grid, **dict(zip(hidden, values, strict=True))}
        candidate = week_entries(table)
        if all(candidate[k] == v for k, v in entries.items() if k not in suppressed) and all(
            bounds(entries[k])[0] <= candidate[k] <= bounds(entries[k])[1] for k in suppressed
        ):
            seen.append(candidate[entry])
    return min(seen), max(seen)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 8), min_size=6, max_size=6),
    extra=st.sets(st.integers(0, 11), max_size=3),
)
def test_the_audit_equals_brute_force_enumeration_on_tiny_tables(values: list[int], extra: set[int]) -> None:
    grid = {(c, g): values[2 * i + j] for i, c in enumerate("ABC") for j, g in enumerate("xy")}
    entries = sorted(week_entries(grid), key=str)
    suppressed = {k for k, v in week_entries(grid).items() if v < MIN_PUBLISHED}
    suppressed |= {entries[i] for i in extra if i < len(entries) and entries[i] != (None, None)}
    suppressed.discard((None, None))  # the week's total published: every cell is bounded by it
    for entry in suppressed:
        assert feasible_range(week_entries(grid), suppressed, entry) == _brute_force(grid, suppressed, entry), entry


def test_a_lone_small_cell_is_hidden_with_enough_others_to_keep_three_values() -> None:
    grid = {("A", "x"): 1, ("A", "y"): 40, ("B", "x"): 30, ("B", "y"): 50}
    suppressed = protect_week(grid)
    entries = week_entries(grid)
    assert ("A", "x") in suppressed and ("A", "y") in suppressed  # by difference from A's total otherwise
    for entry in suppressed:
        low, high = feasible_range(entries, suppressed, entry)
        assert high - low + 1 >= PROTECTED_VALUES, entry


def test_an_alerting_cell_is_not_chosen_as_a_complement_when_another_will_do() -> None:
    grid = {("A", "x"): 2, ("A", "y"): 9, ("A", "z"): 60, ("B", "x"): 30, ("B", "y"): 25, ("B", "z"): 70}
    assert ("A", "y") in protect_week(grid)
    assert ("A", "y") not in protect_week(grid, alerts={("A", "y")})


def _weeks():
    return st.builds(
        lambda seed, log_scale, ili, outbreak: random_week(
            np.random.default_rng(seed), math.exp(log_scale), ili, outbreak
        ),
        seed=st.integers(0, 2**32 - 1),
        log_scale=st.floats(math.log(0.1), math.log(1000)),  # 1 = the generator's 13,000 visits a week
        ili=st.floats(0.02, 0.15),  # summer to the January peak
        outbreak=st.sampled_from([None, *CITY_WEIGHTS]),
    )


@settings(max_examples=10, deadline=None)
@given(grid=_weeks(), order=st.randoms(use_true_random=False))
def test_a_week_gets_the_same_pattern_whatever_the_order_of_its_cells(grid: dict, order) -> None:
    cells = list(grid.items())
    order.shuffle(cells)
    assert protect_week(dict(cells)) == protect_week(grid)


@settings(max_examples=40, deadline=None)
@given(grid=_weeks())
def test_the_attacker_narrows_no_suppressed_entry_to_two_values(grid: dict) -> None:
    suppressed = protect_week(grid)
    assert {k for k, v in grid.items() if v < MIN_PUBLISHED} <= suppressed
    week = publication(grid, suppressed)
    found = intervals(week, derive_margins(week), primary_entries(grid))
    entries = week_entries(grid)
    assert all(low <= entries[k] <= high for k, (low, high) in found.items())  # the attacker's model is sound
    assert exposed(found) == {}


def test_the_attacker_recovers_cells_of_the_naive_scheme() -> None:
    rng = np.random.default_rng(2026)
    leaked = derived = 0
    for _ in range(8):
        grid = random_week(rng, 1.0, 0.03)
        week = naive_publication(grid)
        margins = derive_margins(week)
        derived += margins.week == sum(grid.values())
        found = intervals(week, margins, primary_entries(grid))
        assert all(low <= grid[k] <= high for k, (low, high) in found.items())  # the attacker is right
        leaked += len(exposed(found, at_most=1))
    assert derived == 8  # the published baselines give away every city, province and week total
    assert leaked > 0


@pytest.mark.parametrize("entry", [("A", "x"), ("A", None), (None, "x")])
def test_a_published_entry_is_known_exactly(entry: tuple) -> None:
    grid = {("A", "x"): 7, ("A", "y"): 9, ("B", "x"): 30, ("B", "y"): 25}
    value = week_entries(grid)[entry]
    assert feasible_range(week_entries(grid), set(), entry) == (value, value)
