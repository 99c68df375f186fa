"""The row-rule engine: every reason kind on tiny in-line frames."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pipelines import ids
from pipelines.core.contract import parse_contract
from pipelines.core.rules import REASONS, validate

CONTRACT = parse_contract(
    {
        "sector": "demo",
        "feed": "things",
        "format": "csv",
        "key": ["id"],
        "columns": [
            {"name": "id", "required": True},
            {"name": "uscc", "checks": ["uscc"]},
            {"name": "division_code", "checks": ["jiangsu_division"]},
            {"name": "kind", "values": ["a", "b"]},
            {"name": "amount", "type": "decimal(18,2)", "min": 0},
            {"name": "paid", "type": "decimal(18,2)"},
            {"name": "on", "type": "date", "not_future": True},
            {"name": "period", "pattern": "^20[0-9]{2}(0[1-9]|1[0-2])$"},
        ],
        "row_rules": [{"name": "paid_le_amount", "reason": "inconsistent_row", "expr": "paid <= amount"}],
    }
)
GOOD_USCC = "91320102MA1X2Y3K4" + ids.uscc_check_char("91320102MA1X2Y3K4")
COLUMNS = "id string, uscc string, division_code string, kind string, amount string, paid string, on string, period string, _parse_error string, _source_file string, _row_no long"
GOOD = ("1", GOOD_USCC, "320102", "a", "10.50", "10.00", "2026-10-31", "202610", None, "f", 1)


def _reasons(spark, row: tuple) -> list[str]:
    frame = spark.createDataFrame([row], COLUMNS)
    return frame.transform(validate(CONTRACT, date(2026, 11, 1))).first()[REASONS]


def _with(**changes: object) -> tuple:
    names = [c.split()[0] for c in COLUMNS.split(", ")]
    values = dict(zip(names, GOOD, strict=True)) | changes
    return tuple(values[n] for n in names)


def test_a_good_row_has_no_reasons_and_is_typed(spark) -> None:
    frame = spark.createDataFrame([GOOD], COLUMNS).transform(validate(CONTRACT, date(2026, 11, 1)))
    row = frame.first()
    assert row[REASONS] == []
    assert row.amount == Decimal("10.50") and row.on == date(2026, 10, 31)
    assert "_parse_error" not in frame.columns and "_source_file" in frame.columns


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": ""}, "missing_required:id"),
        ({"id": None}, "missing_required:id"),
        ({"uscc": GOOD_USCC[:17] + ("0" if GOOD_USCC[17] != "0" else "1")}, "invalid_uscc:uscc"),
        ({"division_code": "110101"}, "invalid_division:division_code"),
        ({"kind": "z"}, "invalid_code:kind"),
        ({"amount": "-1.00", "paid": "-2.00"}, "out_of_range:amount"),
        ({"amount": "abc"}, "unparseable_row:amount"),
        ({"on": "2026-11-02"}, "future_date:on"),
        ({"on": "2026-02-30"}, "unparseable_row:on"),
        ({"period": "202613"}, "invalid_format:period"),
        ({"paid": "11.00"}, "inconsistent_row:paid_le_amount"),
        ({"_parse_error": "fewer columns than the header"}, "unparseable_row:fewer columns than the header"),
    ],
)
def test_each_rule_gives_its_reason(spark, change: dict, reason: str) -> None:
    assert _reasons(spark, _with(**change)) == [reason]


def test_a_rule_over_a_missing_value_is_not_judged(spark) -> None:
    assert _reasons(spark, _with(paid="")) == []


def test_several_failures_are_all_reported(spark) -> None:
    reasons = _reasons(spark, _with(id="", kind="z"))
    assert sorted(reasons) == ["invalid_code:kind", "missing_required:id"]
