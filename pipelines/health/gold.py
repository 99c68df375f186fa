"""Gold builds of the health sector: weekly syndromic surveillance and its open publication.

Baseline and alert rule (docs/sectors/health.md): the expected count of a syndrome
group in a city and week is the city's visits that week times the group's share of
visits in the *other* cities the same week. Because the reference is the same week,
the seasonal wave (which moves every city together) does not raise alerts, while an
outbreak confined to one city does. A cell alerts when its visits reach
MIN_ALERT_VISITS, are at least ALERT_RATIO times the baseline, and the Poisson
square-root statistic 2 (sqrt(visits) - sqrt(baseline)) reaches ALERT_Z (about a
1-in-10,000 chance per cell when nothing is going on, whatever the baseline's size).

The open tables (docs/decisions/0006) publish complete weeks only, protect each week's
cells together with its margins (`pipelines.health.disclosure`) and publish a baseline or
an alert flag only where it is a function of published numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from pipelines.health.disclosure import MIN_PUBLISHED, protect_week, week_entries
from pipelines.health.syndromes import SYNDROME_GROUPS, iso_week_start
from pipelines.transforms.common import Transform

MIN_ALERT_VISITS = 5
ALERT_RATIO = 2.0
ALERT_Z = 3.5
SUPPRESS_BELOW = MIN_PUBLISHED  # open data: counts under this are not published

WEEKLY_COLUMNS = (
    "iso_week",
    "week_start",
    "city_code",
    "syndrome_group",
    "visits",
    "city_visits",
    "baseline",
    "is_alert",
)
OPEN_COLUMNS = (*WEEKLY_COLUMNS, "suppressed")
OPEN_PROVINCE_COLUMNS = ("iso_week", "week_start", "syndrome_group", "visits", "suppressed")
PROTECTED_SCHEMA = "iso_week string, city_code string, syndrome_group string, visits long, suppressed boolean"


def with_visit_city(hospitals: DataFrame) -> Transform:
    """Add `city_code`: the hospital's city from the register, else the patient's home city.

    Args:
        hospitals: `silver.health_hospitals` (hospital_code, city_code).

    Returns:
        A transform of visit rows (with `hospital_code` and `patient_city_code`).
    """

    def transform(visits: DataFrame) -> DataFrame:
        register = hospitals.select("hospital_code", F.col("city_code").alias("__hospital_city"))
        return (
            visits.join(register, on="hospital_code", how="left")
            .withColumn("city_code", F.coalesce("__hospital_city", "patient_city_code"))
            .drop("__hospital_city")
        )

    return transform


def weekly_counts(visits: DataFrame) -> DataFrame:
    """Visits per week, city and syndrome group, with zeros for the groups a city-week did not see."""
    observed = visits.groupBy("iso_week", "city_code", "syndrome_group").agg(F.count(F.lit(1)).alias("visits"))
    every_group = F.explode(F.array(*[F.lit(g) for g in SYNDROME_GROUPS]))
    grid = visits.select("iso_week", "city_code").distinct().withColumn("syndrome_group", every_group)
    return grid.join(observed, on=["iso_week", "city_code", "syndrome_group"], how="left").fillna({"visits": 0})


def cross_city_baseline(city_visits: Column, others_group: Column, others_all: Column) -> Column:
    """city_visits x the group's share of the visits in the other cities (null when there are none).

    Args:
        city_visits: the city's visits that week, all groups.
        others_group: the group's visits in the other cities that week.
        others_all: all visits in the other cities that week.
    """
    share = F.when(others_all > 0, others_group / others_all)
    return F.round(city_visits * share, 2)


def with_baseline(counts: DataFrame) -> DataFrame:
    """Add `city_visits` and `baseline` = city_visits x the group's share in the other cities that week."""
    city = Window.partitionBy("iso_week", "city_code")
    group = Window.partitionBy("iso_week", "syndrome_group")
    week = Window.partitionBy("iso_week")
    others_group = F.sum("visits").over(group) - F.col("visits")
    others_all = F.sum("visits").over(week) - F.col("city_visits")
    return counts.withColumn("city_visits", F.sum("visits").over(city)).withColumn(
        "baseline", cross_city_baseline(F.col("city_visits"), others_group, others_all)
    )


def alert_condition(visits: Column, baseline: Column) -> Column:
    """The alert rule: enough visits, ALERT_RATIO x the baseline and a square-root statistic of ALERT_Z."""
    excess = F.lit(2.0) * (F.sqrt(visits.cast("double")) - F.sqrt(baseline))
    return (
        baseline.isNotNull() & (visits >= MIN_ALERT_VISITS) & (visits >= baseline * ALERT_RATIO) & (excess >= ALERT_Z)
    )


def syndromic_weekly_from(visits: DataFrame, hospitals: DataFrame) -> DataFrame:
    """The weekly surveillance grid of some visits (the weeks they cover, whole).

    Args:
        visits: `silver.health_outpatient_visits` rows of whole ISO weeks.
        hospitals: `silver.health_hospitals`.

    Returns:
        WEEKLY_COLUMNS, one row per iso_week x city_code x syndrome_group.
    """
    return (
        visits.transform(with_visit_city(hospitals))
        .transform(weekly_counts)
        .transform(with_baseline)
        .withColumn("is_alert", alert_condition(F.col("visits"), F.col("baseline")))
        .withColumn("week_start", iso_week_start(F.col("iso_week")))
        .select(*WEEKLY_COLUMNS)
    )


def syndromic_weekly(sources: Mapping[str, DataFrame], as_of: dt.date) -> DataFrame:
    """`gold.health_syndromic_weekly` for the touched weeks.

    Args:
        sources: `health_outpatient_visits` (the touched weeks) and `health_hospitals`.
        as_of: the run's business date (unused: the table is per ISO week).

    Returns:
        WEEKLY_COLUMNS.
    """
    return syndromic_weekly_from(sources["health_outpatient_visits"], sources["health_hospitals"])


def complete_weeks(visits: DataFrame) -> DataFrame:
    """The visits of the ISO weeks whose visits reach their Sunday (a week is published once, whole).

    A week rebuilt every day would be published seven times; the differences between two
    days' versions are that day's counts, under 5 in most cells.
    """
    last_day = visits.groupBy("iso_week").agg(F.max("visit_date").alias("__last_day"))
    whole = last_day.where(F.col("__last_day") >= F.date_add(iso_week_start(F.col("iso_week")), 6))
    return visits.join(whole.select("iso_week"), on="iso_week", how="left_semi")


def _protect_week(iso_week: str, cells: list[tuple[str, str, int, bool]]) -> list[tuple]:
    """One week's cells (city, group, visits, is_alert) -> its entries with their true value and `suppressed`."""
    counts = {(city, group): visits for city, group, visits, _ in cells}
    suppressed = protect_week(counts, alerts={(city, group) for city, group, _, alert in cells if alert})
    return [(iso_week, c, g, v, (c, g) in suppressed) for (c, g), v in week_entries(counts).items()]


def protect_small_counts(weekly: DataFrame) -> DataFrame:
    """The entries of every week (cells, city totals, province totals, the week's total) and which are suppressed.

    Primary suppression of every entry under SUPPRESS_BELOW, then complementary suppression
    across cities and groups (`pipelines.health.disclosure.protect_week`). A week's pattern
    depends on all its cells at once and a week is about a hundred numbers, so the grid is
    collected and protected on the driver (no Python workers, any Spark engine).

    Args:
        weekly: the surveillance grid (iso_week, city_code, syndrome_group, visits, is_alert).

    Returns:
        PROTECTED_SCHEMA: a cell has both codes, a city total a null group, a province total a
        null city, the week's total both null; `visits` is the true value.
    """
    weeks: dict[str, list[tuple[str, str, int, bool]]] = {}
    for r in weekly.select("iso_week", "city_code", "syndrome_group", "visits", "is_alert").collect():
        weeks.setdefault(r.iso_week, []).append((r.city_code, r.syndrome_group, int(r.visits), bool(r.is_alert)))
    rows = [row for week in sorted(weeks) for row in _protect_week(week, weeks[week])]
    return weekly.sparkSession.createDataFrame(rows, PROTECTED_SCHEMA)


def _published(name: str) -> Column:
    return F.when(~F.col("suppressed"), F.col("visits")).alias(name)


def published_cells(protected: DataFrame) -> DataFrame:
    """`gold.open_health_weekly` rows from the protected entries: only published numbers, and only their functions.

    `baseline` is the surveillance baseline where the cell, its city total and its province
    total are all published (it is then a function of published numbers and equals the
    surveillance table's); `is_alert` is the alert rule on the published visits and baseline.
    Both are null where they are not published.

    Args:
        protected: `protect_small_counts` output.

    Returns:
        OPEN_COLUMNS.
    """
    is_cell = F.col("city_code").isNotNull() & F.col("syndrome_group").isNotNull()
    city_total = F.col("city_code").isNotNull() & F.col("syndrome_group").isNull()
    province_total = F.col("city_code").isNull() & F.col("syndrome_group").isNotNull()
    week_total = F.col("city_code").isNull() & F.col("syndrome_group").isNull()
    cells = protected.where(is_cell).select(
        "iso_week", "city_code", "syndrome_group", "suppressed", _published("visits")
    )
    cities = protected.where(city_total).select("iso_week", "city_code", _published("city_visits"))
    groups = protected.where(province_total).select("iso_week", "syndrome_group", _published("__group"))
    weeks = protected.where(week_total).select("iso_week", _published("__week"))
    baseline = cross_city_baseline(
        F.col("city_visits"), F.col("__group") - F.col("visits"), F.col("__week") - F.col("city_visits")
    )
    return (
        cells.join(cities, on=["iso_week", "city_code"], how="left")
        .join(groups, on=["iso_week", "syndrome_group"], how="left")
        .join(weeks, on="iso_week", how="left")
        .withColumn("baseline", baseline)
        .withColumn(
            "is_alert", F.when(F.col("baseline").isNotNull(), alert_condition(F.col("visits"), F.col("baseline")))
        )
        .withColumn("week_start", iso_week_start(F.col("iso_week")))
        .select(*OPEN_COLUMNS)
    )


def published_province(protected: DataFrame) -> DataFrame:
    """`gold.open_health_weekly_province` rows: the province total of each group and week, or null when suppressed.

    Args:
        protected: `protect_small_counts` output.

    Returns:
        OPEN_PROVINCE_COLUMNS.
    """
    return (
        protected.where(F.col("city_code").isNull() & F.col("syndrome_group").isNotNull())
        .withColumn("visits", F.when(~F.col("suppressed"), F.col("visits")))
        .withColumn("week_start", iso_week_start(F.col("iso_week")))
        .select(*OPEN_PROVINCE_COLUMNS)
    )


def _protected(sources: Mapping[str, DataFrame]) -> DataFrame:
    visits = sources["health_outpatient_visits"].transform(complete_weeks)
    return syndromic_weekly_from(visits, sources["health_hospitals"]).transform(protect_small_counts)


def open_weekly(sources: Mapping[str, DataFrame], as_of: dt.date) -> DataFrame:
    """`gold.open_health_weekly`: the surveillance grid of complete weeks for publication.

    Built from the same silver sources and rule as `gold.health_syndromic_weekly` (so the
    two agree wherever a number is published), then `protect_small_counts` and
    `published_cells`. `gold.open_health_weekly_province` is built the same way, so the two
    open tables share one suppression pattern per week.

    Args:
        sources: `health_outpatient_visits` (the touched weeks) and `health_hospitals`.
        as_of: the run's business date (unused: completeness is read from the visits).

    Returns:
        OPEN_COLUMNS.
    """
    return _protected(sources).transform(published_cells)


def open_weekly_province(sources: Mapping[str, DataFrame], as_of: dt.date) -> DataFrame:
    """`gold.open_health_weekly_province`: province totals per complete week and group, protected with the city table.

    Args:
        sources: `health_outpatient_visits` (the touched weeks) and `health_hospitals`.
        as_of: the run's business date (unused).

    Returns:
        OPEN_PROVINCE_COLUMNS.
    """
    return _protected(sources).transform(published_province)
