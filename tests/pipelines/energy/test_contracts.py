"""The energy feed contracts on tiny bronze frames: what passes and what is quarantined, and why."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pipelines import ids
from pipelines.core.contract import load_contract
from pipelines.core.rules import REASONS, validate

AS_OF = date(2026, 11, 1)
USCC = "91320102MA1X2Y3K4" + ids.uscc_check_char("91320102MA1X2Y3K4")
METER = {
    "meter_id": "E038184829683",
    "account_id": "321820693460",
    "customer_type": "commercial",
    "uscc": USCC,
    "division_code": "320706",
    "industry_code": "H62",
    "rated_kw": "10.0",
    "installed_on": "2026-07-18",
    "status": "in_service",
}
HOUSEHOLD = METER | {"customer_type": "residential", "uscc": "", "industry_code": ""}
READING = {
    "meter_id": "E038184829683",
    "reading_ts": datetime(2026, 10, 31, 16, 15, tzinfo=UTC),
    "kwh": 0.25,
    "quality": 0,
}
READING_SCHEMA = "meter_id string, reading_ts timestamp, kwh double, quality int"


def _meter_reasons(spark, row: dict) -> list[str]:
    contract = load_contract("energy", "meters")
    names = [c.name for c in contract.columns]
    schema = ", ".join(f"`{n}` string" for n in names) + ", _parse_error string, _source_file string, _row_no long"
    frame = spark.createDataFrame([(*[row.get(n) for n in names], None, "f", 1)], schema)
    return frame.transform(validate(contract, AS_OF)).first()[REASONS]


def _reading_reasons(spark, **changes: object) -> list[str]:
    row = READING | changes
    schema = READING_SCHEMA + ", _parse_error string, _source_file string, _row_no long"
    frame = spark.createDataFrame([(*row.values(), None, "f", 1)], schema)
    return frame.transform(validate(load_contract("energy", "readings"), AS_OF)).first()[REASONS]


@pytest.mark.parametrize("row", [METER, HOUSEHOLD], ids=["enterprise", "household"])
def test_valid_meters_pass(spark, row: dict) -> None:
    assert _meter_reasons(spark, row) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"meter_id": ""}, "missing_required:meter_id"),
        ({"customer_type": "municipal"}, "invalid_code:customer_type"),
        ({"uscc": ""}, "missing_required:enterprise_has_uscc"),
        ({"industry_code": ""}, "missing_required:enterprise_has_industry"),
        ({"uscc": USCC[:17] + ("0" if USCC[17] != "0" else "1")}, "invalid_uscc:uscc"),
        ({"industry_code": "G52"}, "invalid_code:industry_code"),
        ({"division_code": "310101"}, "invalid_division:division_code"),
        ({"rated_kw": "-1.0"}, "out_of_range:rated_kw"),
        ({"rated_kw": "abc"}, "unparseable_row:rated_kw"),
        ({"installed_on": "2028-01-01"}, "future_date:installed_on"),
        ({"status": "retired"}, "invalid_code:status"),
    ],
)
def test_meter_defects_are_quarantined_with_their_reason(spark, change: dict, reason: str) -> None:
    assert _meter_reasons(spark, METER | change) == [reason]


def test_a_household_meter_with_an_enterprise_code_is_inconsistent(spark) -> None:
    reasons = _meter_reasons(spark, HOUSEHOLD | {"uscc": USCC})
    assert reasons == ["inconsistent_row:residential_without_enterprise"]


def test_a_meter_without_customer_type_is_judged_once(spark) -> None:
    assert _meter_reasons(spark, METER | {"customer_type": ""}) == ["missing_required:customer_type"]


def test_a_valid_reading_passes_typed(spark) -> None:
    assert _reading_reasons(spark) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"meter_id": None}, "missing_required:meter_id"),
        ({"reading_ts": None}, "missing_required:reading_ts"),
        ({"kwh": -0.01}, "out_of_range:kwh"),
        ({"quality": 3}, "invalid_code:quality"),
        ({"reading_ts": datetime(2028, 3, 1, 16, 15, tzinfo=UTC)}, "future_date:reading_ts"),
        ({"reading_ts": datetime(2026, 10, 31, 16, 7, tzinfo=UTC)}, "invalid_format:reading_ts_on_quarter_hour"),
        ({"quality": 2, "kwh": 0.3}, "inconsistent_row:missing_interval_without_energy"),
    ],
)
def test_reading_defects_are_quarantined_with_their_reason(spark, change: dict, reason: str) -> None:
    assert _reading_reasons(spark, **change) == [reason]


def test_the_last_interval_of_the_delivery_day_is_not_in_the_future(spark) -> None:
    # 2026-11-01 23:45-24:00 local ends at 2026-11-01 16:00 UTC.
    assert _reading_reasons(spark, reading_ts=datetime(2026, 11, 1, 16, 0, tzinfo=UTC)) == []
