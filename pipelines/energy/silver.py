"""Silver transforms of the energy sector: the meter register and the interval readings."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.core.contract import load_contract
from pipelines.timezone import LOCAL_TZ
from pipelines.transforms.common import Transform, local_date, with_city_code, with_industry_section

INTERVAL = "INTERVAL 15 MINUTES"


def blank_as_null(*columns: str) -> Transform:
    """Turn empty strings of `columns` into nulls (residential meters deliver no USCC or industry).

    Args:
        columns: string columns to clean.

    Returns:
        A transform.
    """

    def transform(frame: DataFrame) -> DataFrame:
        return frame.withColumns({c: F.when(F.col(c) != "", F.col(c)) for c in columns})

    return transform


def clean_meters(valid: DataFrame) -> DataFrame:
    """Valid, typed register rows -> `silver.energy_meters` rows (city and industry section derived).

    Args:
        valid: rows that passed the contract's rules (typed columns + lineage).

    Returns:
        The silver columns; `uscc`, `industry_code` and `industry_section` are null for households.
    """
    return (
        valid.transform(blank_as_null("uscc", "industry_code"))
        .transform(with_city_code())
        .transform(with_industry_section())
        .select(*load_contract("energy", "meters").silver_columns("city_code", "industry_section"))
    )


def interval_start(reading_ts: Column) -> Column:
    """The start of the 15-minute interval that ends at `reading_ts`."""
    return reading_ts - F.expr(INTERVAL)


def slot_of_day(reading_ts: Column) -> Column:
    """Local quarter-hour slot (0-95) of the interval ending at `reading_ts`: 00:00-00:15 is slot 0."""
    local = F.from_utc_timestamp(interval_start(reading_ts), LOCAL_TZ)
    return (F.hour(local) * 4 + F.floor(F.minute(local) / 15)).cast("int")


def with_reading_day(frame: DataFrame) -> DataFrame:
    """Add `date` (local day of the interval) and `slot` (0-95).

    The reading of the interval 23:45-24:00 ends at midnight but belongs to the day
    that is ending, so the day is taken from the interval's start, not its end.
    """
    return frame.withColumns(
        {
            "date": local_date(interval_start(F.col("reading_ts"))),
            "slot": slot_of_day(F.col("reading_ts")),
        }
    )


def clean_readings(valid: DataFrame) -> DataFrame:
    """Valid, typed readings -> `silver.energy_readings` rows, partitioned by local `date`.

    Args:
        valid: rows that passed the contract's rules (typed columns + lineage).

    Returns:
        The silver columns: the contract's, `date`, `slot` and lineage.
    """
    return valid.transform(with_reading_day).select(*load_contract("energy", "readings").silver_columns("date", "slot"))
