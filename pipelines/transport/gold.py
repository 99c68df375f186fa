"""Gold builds of the transport sector: hourly gantry traffic and hourly hub passenger flow.

`hour` is the UTC instant at which the hour starts (Asia/Shanghai is a whole-hour offset,
so it is also a local hour boundary); `hour_of_day` is that hour on the local clock and
`date` the local day the table is partitioned by.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from pipelines.timezone import LOCAL_TZ
from pipelines.transport.silver import TRUCK_CLASSES

GANTRY_GRAIN = ("date", "hour", "gantry_id")
HUB_GRAIN = ("date", "hour", "hub_id")
PEAK_HOURS = 3  # an hour is a peak when it is among the hub-day's 3 busiest ...
PEAK_OVER_MEAN = 1.0  # ... and its flow is above the hub-day's mean hourly flow


def local_hour_of_day(hour: Column) -> Column:
    """Hour (0-23) on the Asia/Shanghai clock of a UTC instant."""
    return F.hour(F.from_utc_timestamp(hour, LOCAL_TZ))


def gantry_hourly(sources: Mapping[str, DataFrame], as_of: date) -> DataFrame:
    """`gold.transport_gantry_hourly`: vehicles, trucks and fees per gantry and hour.

    Args:
        sources: `transport_etc_passages` (silver, the touched days) and
            `transport_gantries` (the register, read whole).
        as_of: the run's business date (unused: the table is per passage day).

    Returns:
        One row per (hour, gantry_id) with `road_code` and `direction` from the register
        (null for a gantry missing from it), `vehicles` (passages), `trucks` (vehicle
        classes 11-16), `fee_cny` (decimal(20,2)), `date` and `hour_of_day`.
    """
    gantries = sources["transport_gantries"].select("gantry_id", "road_code", "direction")
    is_truck = F.col("vehicle_class").between(*TRUCK_CLASSES)
    return (
        sources["transport_etc_passages"]
        .groupBy(*GANTRY_GRAIN)
        .agg(
            F.count(F.lit(1)).alias("vehicles"),
            F.count_if(is_truck).alias("trucks"),
            F.sum("fee_cny").cast("decimal(20,2)").alias("fee_cny"),
        )
        .join(gantries, on="gantry_id", how="left")
        .withColumn("hour_of_day", local_hour_of_day(F.col("hour")))
        .select("date", "hour", "hour_of_day", "gantry_id", "road_code", "direction", "vehicles", "trucks", "fee_cny")
    )


def with_peak_flag(frame: DataFrame) -> DataFrame:
    """Add `is_peak`: the hour is among the hub-day's `PEAK_HOURS` busiest (entries + exits,
    ties to the earlier hour) and busier than the hub-day's mean hourly flow."""
    hub_day = Window.partitionBy("hub_id", "date")
    busiest = hub_day.orderBy(F.col("flow").desc(), F.col("hour"))
    is_peak = (F.row_number().over(busiest) <= PEAK_HOURS) & (
        F.col("flow") > F.avg("flow").over(hub_day) * PEAK_OVER_MEAN
    )
    return frame.withColumn("flow", F.col("entries") + F.col("exits")).withColumn("is_peak", is_peak).drop("flow")


def hub_flow_hourly(sources: Mapping[str, DataFrame], as_of: date) -> DataFrame:
    """`gold.transport_hub_flow_hourly`: entries, exits and the peak flag per hub and hour.

    Args:
        sources: `transport_hub_flow` (silver, the touched days).
        as_of: the run's business date (unused).

    Returns:
        One row per (hour, hub_id) with `entries`, `exits`, `is_peak` (see `with_peak_flag`),
        `windows` (5-minute windows received, 12 when complete), the hub's name, type and
        city, `date` and `hour_of_day`.
    """
    return (
        sources["transport_hub_flow"]
        .withColumn("hour", F.date_trunc("hour", F.col("window_start")))
        .groupBy(*HUB_GRAIN)
        .agg(
            F.sum("entries").alias("entries"),
            F.sum("exits").alias("exits"),
            F.count(F.lit(1)).alias("windows"),
            F.max_by("hub_name", "window_start").alias("hub_name"),
            F.max_by("hub_type", "window_start").alias("hub_type"),
            F.max_by("city_code", "window_start").alias("city_code"),
        )
        .transform(with_peak_flag)
        .withColumn("hour_of_day", local_hour_of_day(F.col("hour")))
        .select(
            "date",
            "hour",
            "hour_of_day",
            "hub_id",
            "hub_name",
            "hub_type",
            "city_code",
            "entries",
            "exits",
            "is_peak",
            "windows",
        )
    )
