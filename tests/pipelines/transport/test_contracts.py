"""The transport feed contracts on tiny bronze frames: what passes and what is quarantined, and why."""

from __future__ import annotations

from datetime import date

import pytest
from pyspark.sql import functions as F

from pipelines.core.contract import load_contract
from pipelines.core.rules import REASONS, validate

AS_OF = date(2026, 11, 1)
GANTRY = {
    "gantry_id": "G000232022221",
    "road_code": "G2",
    "km_marker": "222.240",
    "direction": "up",
    "division_code": "321081",
    "lat": "32.152006",
    "lon": "119.401788",
}
PASSAGE = {
    "passage_id": "P20261101000012345",
    "gantry_id": "G004232032012",
    "plate_no": "苏E14X32",
    "plate_color": "blue",
    "vehicle_class": "1",
    "pass_time": "2026-11-01 00:27:24",
    "fee_cny": "3.48",
}
WINDOW = {
    "hub_id": "HUB320102000",
    "hub_name": "南京南站",
    "hub_type": "rail",
    "division_code": "320102",
    "window_start": "2026-11-01T00:05:00+08:00",
    "window_minutes": "5",
    "entries": "34",
    "exits": "38",
}
EXAMPLES = {"gantries": GANTRY, "etc_passages": PASSAGE, "hub_flow": WINDOW}


def _validated(spark, feed: str, **changes: object):
    contract = load_contract("transport", feed)
    names = [c.name for c in contract.columns]
    row = EXAMPLES[feed] | changes
    schema = ", ".join(f"`{n}` string" for n in names) + ", _parse_error string, _source_file string, _row_no long"
    frame = spark.createDataFrame([(*[row.get(n) for n in names], None, "f", 1)], schema)
    return frame.transform(validate(contract, AS_OF))


@pytest.mark.parametrize("feed", sorted(EXAMPLES))
def test_valid_rows_pass(spark, feed: str) -> None:
    assert _validated(spark, feed).first()[REASONS] == []


@pytest.mark.parametrize(
    "plate", ["苏AD12345", "皖B12345", "苏A1234挂"], ids=["new-energy", "other-province", "trailer"]
)
def test_plate_shapes_in_use_pass(spark, plate: str) -> None:
    assert _validated(spark, "etc_passages", plate_no=plate).first()[REASONS] == []


def test_pass_time_is_local_time_stored_as_utc(spark) -> None:
    row = _validated(spark, "etc_passages").select(F.col("pass_time").cast("string").alias("t")).first()
    assert row.t == "2026-10-31 16:27:24"  # the session time zone is UTC


def test_window_start_is_stored_as_utc(spark) -> None:
    row = _validated(spark, "hub_flow").select(F.col("window_start").cast("string").alias("t")).first()
    assert row.t == "2026-10-31 16:05:00"


@pytest.mark.parametrize(
    ("feed", "change", "reason"),
    [
        ("gantries", {"gantry_id": ""}, "missing_required:gantry_id"),
        ("gantries", {"road_code": "Highway 2"}, "invalid_format:road_code"),
        ("gantries", {"km_marker": "-3.000"}, "out_of_range:km_marker"),
        ("gantries", {"direction": "north"}, "invalid_code:direction"),
        ("gantries", {"division_code": "340104"}, "invalid_division:division_code"),
        ("gantries", {"lat": "abc"}, "unparseable_row:lat"),
        ("gantries", {"lat": "132.1"}, "out_of_range:lat"),
        ("etc_passages", {"passage_id": ""}, "missing_required:passage_id"),
        ("etc_passages", {"plate_no": ""}, "missing_required:plate_no"),
        ("etc_passages", {"plate_no": "ABC123"}, "invalid_format:plate_no"),
        ("etc_passages", {"plate_color": "black"}, "invalid_code:plate_color"),
        ("etc_passages", {"vehicle_class": "7"}, "invalid_code:vehicle_class"),
        ("etc_passages", {"vehicle_class": "x"}, "unparseable_row:vehicle_class"),
        ("etc_passages", {"pass_time": "2028-03-01 08:00:00"}, "future_date:pass_time"),
        ("etc_passages", {"pass_time": "2026-11-01T08:00:00+08:00"}, "unparseable_row:pass_time"),
        ("etc_passages", {"fee_cny": "-3.48"}, "out_of_range:fee_cny"),
        ("etc_passages", {"fee_cny": "abc"}, "unparseable_row:fee_cny"),
        ("hub_flow", {"hub_id": ""}, "missing_required:hub_id"),
        ("hub_flow", {"hub_type": "metro"}, "invalid_code:hub_type"),
        ("hub_flow", {"division_code": "310101"}, "invalid_division:division_code"),
        ("hub_flow", {"window_minutes": "15"}, "invalid_code:window_minutes"),
        ("hub_flow", {"window_start": "2026-11-01T00:07:00+08:00"}, "invalid_format:window_start_on_5_minutes"),
        ("hub_flow", {"window_start": "2028-11-01T00:05:00+08:00"}, "future_date:window_start"),
        ("hub_flow", {"entries": "-484"}, "out_of_range:entries"),
        ("hub_flow", {"exits": "abc"}, "unparseable_row:exits"),
    ],
)
def test_defects_are_quarantined_with_their_reason(spark, feed: str, change: dict, reason: str) -> None:
    assert _validated(spark, feed, **change).first()[REASONS] == [reason]
