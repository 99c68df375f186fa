"""Transforms every sector uses: deduplication, latest version, city and industry section."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from pipelines.timezone import LOCAL_TZ
from pipelines.transforms.identifiers import city_code

Transform = Callable[[DataFrame], DataFrame]
DUPLICATE = "_is_duplicate"


def mark_exact_duplicates(columns: Sequence[str | Column]) -> Transform:
    """Flag `_is_duplicate` on every repeat of an identical row (the first stays unflagged).

    Args:
        columns: the columns (names or expressions) whose values make two rows "the same row".
    """

    def transform(frame: DataFrame) -> DataFrame:
        window = Window.partitionBy(*columns).orderBy("_source_file", "_row_no")
        return frame.withColumn(DUPLICATE, F.row_number().over(window) > 1)

    return transform


def keep_latest(key: Sequence[str], order_by: Sequence[str]) -> Transform:
    """One row per key: the greatest `order_by` wins, then the later delivery (`_dt`), then the last delivered row.

    The delivery date breaks ties as the silver MERGE does, so winners recomputed over
    several deliveries' rows are the ones the deliveries merged in order would have left.
    """

    def transform(frame: DataFrame) -> DataFrame:
        delivery = [F.col("_dt").desc()] if "_dt" in frame.columns and "_dt" not in order_by else []
        window = Window.partitionBy(*key).orderBy(
            *[F.col(o).desc() for o in order_by], *delivery, F.col("_source_file").desc(), F.col("_row_no").desc()
        )
        return frame.withColumn("__rank", F.row_number().over(window)).where("__rank = 1").drop("__rank")

    return transform


def with_city_code(division_column: str = "division_code", output: str = "city_code") -> Transform:
    """Add the city-level division code of `division_column`."""

    def transform(frame: DataFrame) -> DataFrame:
        return frame.withColumn(output, city_code(F.col(division_column)))

    return transform


def with_industry_section(industry_column: str = "industry_code", output: str = "industry_section") -> Transform:
    """Add the GB/T 4754 section letter of `industry_column`."""

    def transform(frame: DataFrame) -> DataFrame:
        return frame.withColumn(output, F.substring(F.col(industry_column), 1, 1))

    return transform


def local_date(timestamp: Column) -> Column:
    """The Asia/Shanghai calendar date of a UTC instant."""
    return F.to_date(F.from_utc_timestamp(timestamp, LOCAL_TZ))
