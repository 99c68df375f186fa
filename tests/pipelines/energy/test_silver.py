"""Energy silver transforms on tiny frames: register cleaning and the reading's local day and slot."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from chispa import assert_df_equality

from pipelines.core.contract import load_contract
from pipelines.energy.silver import blank_as_null, clean_meters, clean_readings

LINEAGE_SCHEMA = "_batch_id string, _dt date, _source_file string, _row_no long, _ingested_at timestamp"
LINEAGE = ("b", date(2026, 11, 1), "f", 1, None)
METERS_IN = (
    "meter_id string, account_id string, customer_type string, uscc string, division_code string, "
    "industry_code string, rated_kw double, installed_on date, status string, " + LINEAGE_SCHEMA
)


def test_blank_as_null_turns_only_empty_strings_into_null(spark) -> None:
    frame = spark.createDataFrame([("", "x"), ("a", "")], "a string, b string")
    expected = spark.createDataFrame([(None, "x"), ("a", "")], "a string, b string")
    assert_df_equality(frame.transform(blank_as_null("a")), expected, ignore_row_order=True, ignore_nullable=True)


def test_clean_meters_derives_city_and_section_and_nulls_household_codes(spark) -> None:
    rows = [
        ("E1", "A1", "industrial", "U1", "320583", "C13", 100.0, date(2020, 1, 1), "in_service", *LINEAGE),
        ("E2", "A2", "residential", "", "320102", "", 6.0, date(2010, 1, 1), "in_service", *LINEAGE),
    ]
    out = spark.createDataFrame(rows, METERS_IN).transform(clean_meters)
    assert out.columns == load_contract("energy", "meters").silver_columns("city_code", "industry_section")
    got = {r.meter_id: (r.uscc, r.industry_code, r.city_code, r.industry_section) for r in out.collect()}
    assert got == {"E1": ("U1", "C13", "320500", "C"), "E2": (None, None, "320100", None)}


@pytest.mark.parametrize(
    ("reading_ts", "day", "slot"),
    [
        (datetime(2026, 10, 31, 16, 15, tzinfo=UTC), date(2026, 11, 1), 0),  # 00:00-00:15 local
        (datetime(2026, 11, 1, 4, 0, tzinfo=UTC), date(2026, 11, 1), 47),  # 11:45-12:00 local
        (datetime(2026, 11, 1, 16, 0, tzinfo=UTC), date(2026, 11, 1), 95),  # 23:45-24:00 local ends at midnight
        (datetime(2026, 11, 1, 16, 15, tzinfo=UTC), date(2026, 11, 2), 0),
    ],
)
def test_clean_readings_dates_a_reading_by_its_interval_start(spark, reading_ts, day, slot) -> None:
    schema = "meter_id string, reading_ts timestamp, kwh double, quality int, " + LINEAGE_SCHEMA
    out = spark.createDataFrame([("E1", reading_ts, 0.5, 0, *LINEAGE)], schema).transform(clean_readings)
    assert out.columns == load_contract("energy", "readings").silver_columns("date", "slot")
    row = out.first()
    assert (row.date, row.slot) == (day, slot)
