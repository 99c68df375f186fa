"""The open health tables as the Spark transforms publish them, attacked with everything published:
cells, city totals, province totals, baselines and alert flags, week after week of the generator's
province (13 cities x 7 syndrome groups). The same attacker breaks the old scheme on the same weeks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from pipelines.generate import generate
from pipelines.health.gold import (
    alert_condition,
    protect_small_counts,
    published_cells,
    published_province,
    with_baseline,
)
from tests.pipelines.lake_oracles.attacker import (
    Margins,
    Week,
    derive_margins,
    explains,
    exposed,
    intervals,
    weeks_from_rows,
)
from tests.pipelines.lake_oracles.delivered import clean_rows
from tests.pipelines.lake_oracles.health import weekly
from tests.pipelines.lake_oracles.syndromic_weeks import naive_publication, primary_entries

COUNTS = "iso_week string, city_code string, syndrome_group string, visits long"


def _generated_weeks(root: Path, first_monday: dt.date, weeks: int, scale: float, seed: int) -> dict[str, dict]:
    """The generator's visits of whole ISO weeks, counted per week, city and group (plain Python)."""
    landing = root / "landing"
    generate(str(landing), first_monday, days=7 * weeks, scale=scale, seed=seed, sectors=["health"], defect_rate=0.0)
    days = [(first_monday + dt.timedelta(days=i)).isoformat() for i in range(7 * weeks)]
    visits = [v for day in days for v in clean_rows(landing, "health", "outpatient_visits", day)]
    cells = weekly(visits, clean_rows(landing, "health", "hospitals", days[-1]))
    grids: dict[str, dict] = {}
    for (week, city, group), cell in cells.items():
        grids.setdefault(week, {})[(city, group)] = cell["visits"]
    return grids


def _published(spark, grids: dict[str, dict]) -> tuple[dict[str, Week], list[dict]]:
    """Run the open tables' transforms on the weeks; the publication as the attacker reads it."""
    rows = [(week, c, g, n) for week, grid in grids.items() for (c, g), n in grid.items()]
    surveillance = (
        spark.createDataFrame(rows, COUNTS)
        .transform(with_baseline)
        .withColumn("is_alert", alert_condition(F.col("visits"), F.col("baseline")))
    )
    protected = surveillance.transform(protect_small_counts).persist()
    cells = [r.asDict() for r in protected.transform(published_cells).collect()]
    province = [r.asDict() for r in protected.transform(published_province).collect()]
    protected.unpersist()
    return weeks_from_rows(cells, province), cells


def _attack(week: Week, grid: dict) -> dict:
    return intervals(week, derive_margins(week), primary_entries(grid))


def _check_and_measure(spark, grids: dict[str, dict]) -> dict[str, float]:
    published, cells = _published(spark, grids)
    assert set(published) == set(grids)
    measured = {"cells": 0, "suppressed": 0, "naive_suppressed": 0, "naive_exact": 0, "naive_two_or_fewer": 0}
    for name, grid in grids.items():
        week = published[name]
        # Baselines and flags are the rule on published numbers only: they add no equation.
        city = {c: v for c, v in week.city_totals.items() if v is not None}
        assert explains(
            week, Margins(city, {g: v for g, v in week.province_totals.items() if v is not None}, sum(city.values()))
        )
        found = _attack(week, grid)
        assert all(low <= _truth(grid, k) <= high for k, (low, high) in found.items()), name
        assert exposed(found) == {}, name
        naive = naive_publication(grid)
        naive_found = _attack(naive, grid)
        assert all(low <= _truth(grid, k) <= high for k, (low, high) in naive_found.items()), name
        measured["cells"] += len(grid)
        measured["suppressed"] += sum(v is None for v in week.cells.values())
        measured["naive_suppressed"] += sum(v is None for v in naive.cells.values())
        measured["naive_exact"] += len(exposed(naive_found, at_most=1))
        measured["naive_two_or_fewer"] += len(exposed(naive_found))
    small = [r for r in cells if r["suppressed"] is False and r["visits"] < 5]
    assert small == []
    return measured


def _truth(grid: dict, entry: tuple) -> int:
    city, group = entry
    return sum(v for (c, g), v in grid.items() if city in (None, c) and group in (None, g))


def test_six_generated_weeks_withstand_the_attacker_and_the_old_scheme_does_not(spark, tmp_path) -> None:
    # Seed 42 puts its influenza outbreak in Suqian, ISO weeks 46-48 of 2026.
    grids = _generated_weeks(tmp_path, dt.date(2026, 11, 2), weeks=6, scale=1.0, seed=42)
    measured = _check_and_measure(spark, grids)
    assert measured["naive_exact"] > 0


@pytest.mark.slow
@pytest.mark.parametrize(("scale", "weeks"), [(1.0, 52), (0.2, 26), (20.0, 13)])
def test_a_year_of_generated_weeks_withstands_the_attacker(spark, tmp_path, scale: float, weeks: int) -> None:
    grids = _generated_weeks(tmp_path, dt.date(2026, 6, 1), weeks=weeks, scale=scale, seed=7)
    measured = _check_and_measure(spark, grids)
    print(f"\nscale {scale}, {weeks} weeks: {measured}")
    assert measured["naive_two_or_fewer"] > 0
