"""Transport silver transforms on tiny frames: plate derivatives, local day and hour, hub city."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from pipelines.core.contract import load_contract
from pipelines.transforms.pii import tokenize
from pipelines.transport.silver import (
    PASSAGE_DERIVED,
    clean_gantries,
    clean_hub_flow,
    clean_passages,
    plate_city_code,
    vehicle_category,
)

LINEAGE_SCHEMA = "_batch_id string, _dt date, _source_file string, _row_no long, _ingested_at timestamp"
LINEAGE = ("b", date(2026, 11, 1), "f", 1, None)
PASSAGES_IN = (
    "passage_id string, gantry_id string, plate_no string, plate_color string, vehicle_class int, "
    "pass_time timestamp, fee_cny decimal(18,2), " + LINEAGE_SCHEMA
)


def _passage(plate: str, vehicle_class: int = 1, pass_time: datetime | None = None) -> tuple:
    when = pass_time or datetime(2026, 10, 31, 16, 27, 24, tzinfo=UTC)
    return ("P1", "G1", plate, "blue", vehicle_class, when, Decimal("3.48"), *LINEAGE)


@pytest.mark.parametrize(
    ("plate", "province", "city", "plate_type"),
    [
        ("苏E14X32", "苏", "320500", "conventional"),
        ("苏UD12345", "苏", "320500", "new_energy"),
        ("皖B12345", "皖", None, "conventional"),
    ],
)
def test_clean_passages_keeps_only_plate_derivatives(spark, plate, province, city, plate_type) -> None:
    row = spark.createDataFrame([_passage(plate)], PASSAGES_IN).transform(clean_passages).first()
    assert (row.plate_province, row.plate_city_code, row.plate_type) == (province, city, plate_type)


def test_clean_passages_then_tokenize_leaves_no_plate_in_clear(spark) -> None:
    out = spark.createDataFrame([_passage("苏E14X32")], PASSAGES_IN).transform(clean_passages)
    assert out.columns == load_contract("transport", "etc_passages").silver_columns(*PASSAGE_DERIVED)
    tokenized = out.transform(tokenize(["plate_no"], "k"))
    assert "plate_no" not in tokenized.columns
    values = [str(v) for v in tokenized.first()]
    assert not any("14X32" in v for v in values)


@pytest.mark.parametrize(
    ("pass_time", "day", "hour"),
    [
        (datetime(2026, 10, 31, 16, 27, 24, tzinfo=UTC), date(2026, 11, 1), "2026-10-31 16:00:00"),  # 00:27 local
        (datetime(2026, 11, 1, 15, 59, 59, tzinfo=UTC), date(2026, 11, 1), "2026-11-01 15:00:00"),  # 23:59 local
    ],
)
def test_clean_passages_dates_a_passage_by_local_day(spark, pass_time, day, hour) -> None:
    out = spark.createDataFrame([_passage("苏A12345", pass_time=pass_time)], PASSAGES_IN).transform(clean_passages)
    row = out.select("date", F.col("hour").cast("string").alias("hour")).first()
    assert (row.date, row.hour) == (day, hour)


def test_vehicle_category_follows_the_class_ranges(spark) -> None:
    frame = spark.createDataFrame([(c,) for c in (1, 4, 11, 16, 21, 26)], "vehicle_class int")
    expected = spark.createDataFrame(
        [(1, "passenger"), (4, "passenger"), (11, "truck"), (16, "truck"), (21, "special"), (26, "special")],
        "vehicle_class int, vehicle_category string",
    )
    out = frame.withColumn("vehicle_category", vehicle_category(F.col("vehicle_class")))
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_plate_city_code_maps_both_suzhou_letters(spark) -> None:
    frame = spark.createDataFrame([("苏E1",), ("苏U1",), ("苏N1",), ("沪A1",)], "plate string")
    got = [r.c for r in frame.select(plate_city_code(F.col("plate")).alias("c")).collect()]
    assert got == ["320500", "320500", "321300", None]


def test_clean_gantries_derives_the_city(spark) -> None:
    schema = (
        "gantry_id string, road_code string, km_marker double, direction string, division_code string, "
        "lat double, lon double, " + LINEAGE_SCHEMA
    )
    out = spark.createDataFrame([("G1", "G2", 222.24, "up", "321081", 32.15, 119.40, *LINEAGE)], schema)
    out = out.transform(clean_gantries)
    assert out.columns == load_contract("transport", "gantries").silver_columns("city_code")
    assert out.first().city_code == "321000"


def test_clean_hub_flow_dates_a_window_by_local_day(spark) -> None:
    schema = (
        "hub_id string, hub_name string, hub_type string, division_code string, window_start timestamp, "
        "window_minutes int, entries int, exits int, " + LINEAGE_SCHEMA
    )
    start = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 00:00 local on 2026-11-01
    out = spark.createDataFrame([("H1", "南京南站", "rail", "320102", start, 5, 3, 4, *LINEAGE)], schema)
    out = out.transform(clean_hub_flow)
    assert out.columns == load_contract("transport", "hub_flow").silver_columns("city_code", "date")
    row = out.first()
    assert (row.date, row.city_code) == (date(2026, 11, 1), "320100")
