"""Gold builds of the energy sector: daily consumption by segment and the city load curves.

Both join the readings of the touched days to the current meter register (read whole)
for the meter's city, customer type and industry section. A reading whose meter is not
in the register is kept, under customer type `unregistered` with no city, so gold
totals always reconcile with silver.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pipelines.transforms.common import Transform

CONSUMPTION_GRAIN = ("date", "city_code", "customer_type", "industry_section")
LOAD_CURVE_GRAIN = ("date", "city_code", "slot")
UNREGISTERED = "unregistered"
REPORTING_QUALITIES = (0, 1)  # measured or estimated; quality 2 = no measurement
# Open data (energy_load_curve): a slot's load is published only with at least MIN_METERS meters and no
# meter above MAX_METER_SHARE of it, so no customer's consumption can be read off the curve.
MIN_METERS = 3
MAX_METER_SHARE = 0.5


def with_meter_segment(meters: DataFrame) -> Transform:
    """Add the register's `city_code`, `customer_type` and `industry_section` to rows with a `meter_id`.

    Args:
        meters: `silver.energy_meters` (one row per meter).

    Returns:
        A transform of readings or meter-days; meters missing from the register get customer type
        `unregistered` and a null city and section.
    """
    segment = meters.select("meter_id", "city_code", "customer_type", "industry_section")

    def transform(readings: DataFrame) -> DataFrame:
        return readings.join(segment, on="meter_id", how="left").withColumn(
            "customer_type", F.coalesce(F.col("customer_type"), F.lit(UNREGISTERED))
        )

    return transform


def meter_days(readings: DataFrame) -> DataFrame:
    """Readings summed per meter and day: 96 rows become one before the register join.

    Args:
        readings: `silver.energy_readings` rows.

    Returns:
        (date, meter_id) with `kwh`, `readings`, `readings_missing` and `reporting`
        (the meter had at least one measured or estimated interval that day).
    """
    return readings.groupBy("date", "meter_id").agg(
        F.sum("kwh").alias("kwh"),
        F.count(F.lit(1)).alias("readings"),
        F.count_if(F.col("quality") == 2).alias("readings_missing"),
        F.max(F.col("quality").isin(*REPORTING_QUALITIES)).alias("reporting"),
    )


def consumption_daily(sources: Mapping[str, DataFrame], as_of: date) -> DataFrame:
    """`gold.energy_consumption_daily`: energy and reporting meters per day and segment.

    Args:
        sources: `energy_readings` (silver, the touched days) and `energy_meters` (the register).
        as_of: the run's business date (unused: the table is per reading day).

    Returns:
        One row per (date, city_code, customer_type, industry_section) with `kwh`,
        `meters_reporting` (meters with at least one measured or estimated interval),
        `readings` and `readings_missing` (intervals of quality 2).
    """
    return (
        meter_days(sources["energy_readings"])
        .transform(with_meter_segment(sources["energy_meters"]))
        .groupBy(*CONSUMPTION_GRAIN)
        .agg(
            F.sum("kwh").alias("kwh"),
            F.count_if("reporting").alias("meters_reporting"),
            F.sum("readings").alias("readings"),
            F.sum("readings_missing").alias("readings_missing"),
        )
        .select(*CONSUMPTION_GRAIN, "kwh", "meters_reporting", "readings", "readings_missing")
    )


def load_curve(sources: Mapping[str, DataFrame], as_of: date) -> DataFrame:
    """`gold.energy_load_curve`: average load (kW) per day, city and 15-minute slot.

    The table is open data, so a slot's load is published only when no customer's
    consumption can be read off it (docs/decisions/0006): at least MIN_METERS meters and
    none above MAX_METER_SHARE of the slot's energy; otherwise `kw` is null.

    Args:
        sources: `energy_readings` (silver, the touched days) and `energy_meters` (the register).
        as_of: the run's business date (unused).

    Returns:
        One row per (date, city_code, slot) with `kw` = the slot's kWh x 4, summed over
        meters (null when disclosive), and `meters` (meters with a reading in the slot).
    """
    curve = (
        sources["energy_readings"]
        .transform(with_meter_segment(sources["energy_meters"]))
        .groupBy(*LOAD_CURVE_GRAIN)
        .agg(F.sum("kwh").alias("__kwh"), F.max("kwh").alias("__largest"), F.count_distinct("meter_id").alias("meters"))
    )
    disclosive = (F.col("meters") < MIN_METERS) | (F.col("__largest") > F.col("__kwh") * MAX_METER_SHARE)
    return curve.withColumn("kw", F.when(~disclosive, F.col("__kwh") * 4)).select(*LOAD_CURVE_GRAIN, "kw", "meters")
