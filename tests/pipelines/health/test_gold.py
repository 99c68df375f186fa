"""Health gold builds on tiny frames: the weekly grid, the cross-city baseline, the alert rule, and the
open tables (complete weeks, small counts suppressed with their complements, only published numbers)."""

from __future__ import annotations

from datetime import date

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from pipelines.health.gold import (
    alert_condition,
    open_weekly,
    open_weekly_province,
    protect_small_counts,
    published_cells,
    published_province,
    syndromic_weekly,
    syndromic_weekly_from,
    with_baseline,
)

WEEK = "2026-W46"
COUNTS = "iso_week string, city_code string, syndrome_group string, visits long"
VISITS = "visit_id string, hospital_code string, iso_week string, syndrome_group string, patient_city_code string"
HOSPITALS = "hospital_code string, city_code string"
DATED_VISITS = (
    "visit_id string, hospital_code string, iso_week string, visit_date date, syndrome_group string, "
    "patient_city_code string"
)


def _visits(spark, per_city: dict[str, dict[str, int]]):
    rows, n = [], 0
    for city, groups in per_city.items():
        for group, count in groups.items():
            for _ in range(count):
                n += 1
                rows.append((f"V{n}", f"H{city}", WEEK, group, city))
    return spark.createDataFrame(rows, VISITS)


def test_weekly_grid_counts_and_cross_city_baseline(spark) -> None:
    visits = _visits(
        spark, {"320100": {"ILI": 2, "other": 8}, "320200": {"ILI": 2, "other": 18}, "320300": {"ILI": 1, "other": 9}}
    )
    hospitals = spark.createDataFrame([(f"H{c}", c) for c in ("320100", "320200", "320300")], HOSPITALS)
    out = syndromic_weekly_from(visits, hospitals)
    assert out.count() == 3 * 7  # every syndrome group of every city-week, zeros included
    got = {
        (r.city_code, r.syndrome_group): (r.visits, r.city_visits, r.baseline, r.week_start)
        for r in out.where(F.col("syndrome_group").isin("ILI", "GI")).collect()
    }
    monday = date(2026, 11, 9)
    # ILI in 320100: 10 visits x (2 + 1) / (20 + 10) ILI share of the other cities = 1.0
    assert got[("320100", "ILI")] == (2, 10, 1.0, monday)
    assert got[("320200", "ILI")] == (2, 20, 3.0, monday)
    assert got[("320300", "ILI")] == (1, 10, round(10 * 4 / 30, 2), monday)
    assert got[("320100", "GI")] == (0, 10, 0.0, monday)


def test_a_visit_at_an_unknown_hospital_counts_in_the_patients_city(spark) -> None:
    visits = spark.createDataFrame([("V1", "H-unknown", WEEK, "GI", "320500")], VISITS)
    hospitals = spark.createDataFrame([("H1", "320100")], HOSPITALS)
    row = syndromic_weekly_from(visits, hospitals).where("syndrome_group = 'GI'").first()
    assert (row.city_code, row.visits) == ("320500", 1)


@pytest.mark.parametrize(
    ("visits", "baseline", "alert"),
    [
        (4, 0.0, False),  # too few visits to alert at all
        (5, 0.2, True),  # a cluster of a rare syndrome: 2 (sqrt 5 - sqrt 0.2) = 3.58
        (7, 1.54, False),  # 2.81: within chance
        (9, 1.54, True),  # 3.52
        (15, 5.0, False),
        (16, 5.0, True),
        (150, 100.0, False),  # far above in deviations but only 1.5 x the baseline
        (250, 100.0, True),
        (10, None, False),  # no other city to compare with
    ],
)
def test_alert_rule(spark, visits, baseline, alert) -> None:
    frame = spark.createDataFrame([(visits, baseline)], "visits long, baseline double")
    assert frame.select(alert_condition(F.col("visits"), F.col("baseline")).alias("a")).first().a is alert


def _province(spark, ili_share: dict[str, float], default: float, visits_per_city: int = 1000):
    cities = [f"32{c:02d}00" for c in range(1, 14)]
    rows = []
    for city in cities:
        ili = round(visits_per_city * ili_share.get(city, default))
        rows += [(WEEK, city, "ILI", ili), (WEEK, city, "other", visits_per_city - ili)]
    return spark.createDataFrame(rows, COUNTS)


def _alerts(frame) -> set[tuple[str, str]]:
    flagged = frame.transform(with_baseline).where(alert_condition(F.col("visits"), F.col("baseline")))
    return {(r.city_code, r.syndrome_group) for r in flagged.collect()}


def test_an_outbreak_in_one_city_alerts_only_there(spark) -> None:
    assert _alerts(_province(spark, {"320500": 0.08}, 0.02)) == {("320500", "ILI")}


def test_a_province_wide_seasonal_wave_does_not_alert(spark) -> None:
    assert _alerts(_province(spark, {}, 0.12)) == set()


def test_a_small_cell_is_hidden_with_the_cheapest_rectangle_and_only_published_numbers_remain(spark) -> None:
    # Nanjing's 2 ILI visits: by difference from Nanjing's total or the province's ILI total it would be
    # exact, so three more cells go with it: the cheapest rectangle is Wuxi's (20 + 60 + 50 < 30 + 70 + 50).
    weekly = spark.createDataFrame(
        [
            (WEEK, "320100", "ILI", 2, False),
            (WEEK, "320100", "other", 50, False),
            (WEEK, "320200", "ILI", 20, False),
            (WEEK, "320200", "other", 60, False),
            (WEEK, "320300", "ILI", 30, False),
            (WEEK, "320300", "other", 70, False),
        ],
        "iso_week string, city_code string, syndrome_group string, visits long, is_alert boolean",
    )
    protected = weekly.transform(protect_small_counts)
    monday = date(2026, 11, 9)
    # Xuzhou: 100 visits x (52 - 30) / (232 - 100) = 16.67 expected ILI visits, 100 x (180 - 70) / 132 = 83.33 other.
    expected = spark.createDataFrame(
        [
            (WEEK, monday, "320100", "ILI", None, 52, None, None, True),
            (WEEK, monday, "320100", "other", None, 52, None, None, True),
            (WEEK, monday, "320200", "ILI", None, 80, None, None, True),
            (WEEK, monday, "320200", "other", None, 80, None, None, True),
            (WEEK, monday, "320300", "ILI", 30, 100, 16.67, False, False),
            (WEEK, monday, "320300", "other", 70, 100, 83.33, False, False),
        ],
        "iso_week string, week_start date, city_code string, syndrome_group string, visits long, city_visits long, "
        "baseline double, is_alert boolean, suppressed boolean",
    )
    assert_df_equality(protected.transform(published_cells), expected, ignore_row_order=True, ignore_nullable=True)
    province = spark.createDataFrame(
        [(WEEK, monday, "ILI", 52, False), (WEEK, monday, "other", 180, False)],
        "iso_week string, week_start date, syndrome_group string, visits long, suppressed boolean",
    )
    assert_df_equality(protected.transform(published_province), province, ignore_row_order=True, ignore_nullable=True)


def _dated_visits(spark, days: dict[date, dict[str, dict[str, int]]]):
    rows, n = [], 0
    for day, per_city in days.items():
        week = f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}"
        for city, groups in per_city.items():
            for group, count in groups.items():
                for _ in range(count):
                    n += 1
                    rows.append((f"V{n}", f"H{city}", week, day, group, city))
    return spark.createDataFrame(rows, DATED_VISITS)


def test_open_tables_publish_a_week_only_once_its_sunday_is_in(spark) -> None:
    sunday, monday = date(2026, 11, 15), date(2026, 11, 16)  # ISO weeks 46 (whole) and 47 (one day)
    busy = {"ILI": 30, "URI": 40, "GI": 20, "other": 200}
    visits = _dated_visits(spark, {sunday: {"320100": busy, "320200": busy}, monday: {"320100": busy, "320200": busy}})
    hospitals = spark.createDataFrame([("H320100", "320100"), ("H320200", "320200")], HOSPITALS)
    sources = {"health_outpatient_visits": visits, "health_hospitals": hospitals}
    assert {r.iso_week for r in open_weekly(sources, monday).collect()} == {"2026-W46"}
    assert {r.iso_week for r in open_weekly_province(sources, monday).collect()} == {"2026-W46"}
    assert {r.iso_week for r in syndromic_weekly(sources, monday).collect()} == {"2026-W46", "2026-W47"}
