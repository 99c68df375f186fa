"""Gold builds of the health sector: weekly syndromic surveillance and its open publication.

Baseline and alert rule (docs/sectors/health.md): the expected count of a syndrome
group in a city and week is the city's visits that week times the group's share of
visits in the *other* cities the same week. Because the reference is the same week,
the seasonal wave (which moves every city together) does not raise alerts, while an
outbreak confined to one city does. A cell alerts when its visits reach
MIN_ALERT_VISITS, are at least ALERT_RATIO times the baseline, and the Poisson
square-root statistic 2 (sqrt(visits) - sqrt(baseline)) reaches ALERT_Z (about a
1-in-10,000 chance per cell when nothing is going on, whatever the baseline's size).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from pipelines.health.syndromes import SYNDROME_GROUPS, iso_week_start
from pipelines.transforms.common import Transform

MIN_ALERT_VISITS = 5
ALERT_RATIO = 2.0
ALERT_Z = 3.5
SUPPRESS_BELOW = 5  # open data: counts under this are not published

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
OPEN_COLUMNS = ("iso_week", "week_start", "city_code", "syndrome_group", "visits", "baseline", "is_alert", "suppressed")


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


def with_baseline(counts: DataFrame) -> DataFrame:
    """Add `city_visits` and `baseline` = city_visits x the group's share in the other cities that week."""
    city = Window.partitionBy("iso_week", "city_code")
    group = Window.partitionBy("iso_week", "syndrome_group")
    week = Window.partitionBy("iso_week")
    others_group = F.sum("visits").over(group) - F.col("visits")
    others_all = F.sum("visits").over(week) - F.col("city_visits")
    share = F.when(others_all > 0, others_group / others_all)
    return counts.withColumn("city_visits", F.sum("visits").over(city)).withColumn(
        "baseline", F.round(F.col("city_visits") * share, 2)
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


def suppress_small_counts(weekly: DataFrame) -> DataFrame:
    """Null the visits (and baseline) of cells under SUPPRESS_BELOW, flagging them `suppressed`.

    When a city-week has exactly one such cell, the next smallest cell of that city-week is
    suppressed too (complementary suppression), so no cell can be recovered by difference.
    """
    city_week = Window.partitionBy("iso_week", "city_code")
    primary = F.col("visits") < SUPPRESS_BELOW
    ranked = (
        weekly.withColumn("__primary", primary)
        .withColumn("__primaries", F.sum(F.col("__primary").cast("int")).over(city_week))
        .withColumn(
            "__rank_open",
            F.row_number().over(city_week.orderBy(F.col("__primary").desc(), "visits", "syndrome_group")),
        )
    )
    complementary = (F.col("__primaries") == 1) & (F.col("__rank_open") == 2)
    suppressed = F.col("__primary") | complementary
    return (
        ranked.withColumn("suppressed", suppressed)
        .withColumn("visits", F.when(~F.col("suppressed"), F.col("visits")))
        .withColumn("baseline", F.when(~F.col("suppressed"), F.col("baseline")))
        .drop("__primary", "__primaries", "__rank_open")
    )


def open_weekly(sources: Mapping[str, DataFrame], as_of: dt.date) -> DataFrame:
    """`gold.open_health_weekly`: the surveillance grid for publication, small counts suppressed.

    Built from the same silver sources and rule as `gold.health_syndromic_weekly` (so the
    two always agree on the touched weeks), then `suppress_small_counts`.

    Args:
        sources: `health_outpatient_visits` (the touched weeks) and `health_hospitals`.
        as_of: the run's business date (unused).

    Returns:
        OPEN_COLUMNS.
    """
    return syndromic_weekly(sources, as_of).transform(suppress_small_counts).select(*OPEN_COLUMNS)
