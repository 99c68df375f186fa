"""Silver transforms of the transport sector: gantry register, ETC passages, hub flow.

Plate numbers are personal data: `clean_passages` keeps only non-identifying
derivatives (province, issuing city, plate type) before the step tokenizes `plate_no`.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.core.contract import load_contract
from pipelines.ids import JIANGSU_PLATE_CITIES
from pipelines.transforms.common import local_date, with_city_code

TRUCK_CLASSES = (11, 16)  # inclusive range of truck vehicle classes (FEEDS.md)
SPECIAL_CLASSES = (21, 26)
NEW_ENERGY_PLATE_LENGTH = 8  # new-energy (green) plates have 6 serial characters, others 5


# Columns derived from the plate, kept once `plate_no` is tokenized.
PASSAGE_DERIVED = ("plate_province", "plate_city_code", "plate_type", "vehicle_category", "date", "hour")


def clean_gantries(valid: DataFrame) -> DataFrame:
    """Valid, typed register rows -> `silver.transport_gantries` rows (city derived).

    Args:
        valid: rows that passed the contract's rules (typed columns + lineage).

    Returns:
        The silver columns.
    """
    return valid.transform(with_city_code()).select(*load_contract("transport", "gantries").silver_columns("city_code"))


def plate_city_code(plate: Column) -> Column:
    """City division code of a Jiangsu plate's issuing letter (`苏A` -> 320100); null elsewhere."""
    letters = F.create_map(*[F.lit(x) for pair in JIANGSU_PLATE_CITIES.items() for x in pair])
    return F.when(F.substring(plate, 1, 1) == "苏", letters[F.substring(plate, 2, 1)])


def vehicle_category(vehicle_class: Column) -> Column:
    """`passenger` (1-4), `truck` (11-16) or `special` (21-26)."""
    return (
        F.when(vehicle_class.between(*TRUCK_CLASSES), F.lit("truck"))
        .when(vehicle_class.between(*SPECIAL_CLASSES), F.lit("special"))
        .otherwise(F.lit("passenger"))
    )


def with_plate_derivatives(frame: DataFrame) -> DataFrame:
    """Add what analyses may keep of a plate: `plate_province`, `plate_city_code`, `plate_type`."""
    plate = F.col("plate_no")
    return frame.withColumns(
        {
            "plate_province": F.substring(plate, 1, 1),
            "plate_city_code": plate_city_code(plate),
            "plate_type": F.when(F.length(plate) == NEW_ENERGY_PLATE_LENGTH, F.lit("new_energy")).otherwise(
                F.lit("conventional")
            ),
        }
    )


def with_passage_time(frame: DataFrame) -> DataFrame:
    """Add the local `date` and the `hour` (UTC instant of the hour's start) of `pass_time`."""
    return frame.withColumns(
        {
            "date": local_date(F.col("pass_time")),
            "hour": F.date_trunc("hour", F.col("pass_time")),
        }
    )


def clean_passages(valid: DataFrame) -> DataFrame:
    """Valid, typed passages -> `silver.transport_etc_passages` rows, partitioned by local `date`.

    Args:
        valid: rows that passed the contract's rules (typed columns + lineage; `pass_time` in UTC).

    Returns:
        The silver columns with `plate_no` still in clear (the step replaces it by its token).
    """
    return (
        valid.transform(with_plate_derivatives)
        .withColumn("vehicle_category", vehicle_category(F.col("vehicle_class")))
        .transform(with_passage_time)
        .select(*load_contract("transport", "etc_passages").silver_columns(*PASSAGE_DERIVED))
    )


def clean_hub_flow(valid: DataFrame) -> DataFrame:
    """Valid, typed windows -> `silver.transport_hub_flow` rows, partitioned by local `date`.

    Args:
        valid: rows that passed the contract's rules (typed columns + lineage).

    Returns:
        The silver columns.
    """
    return (
        valid.transform(with_city_code())
        .withColumn("date", local_date(F.col("window_start")))
        .select(*load_contract("transport", "hub_flow").silver_columns("city_code", "date"))
    )
