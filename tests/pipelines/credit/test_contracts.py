"""The credit feed contracts on tiny bronze frames: what passes and what is quarantined, and why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pyspark.sql import functions as F

from pipelines import ids
from pipelines.core.contract import load_contract
from pipelines.core.rules import REASONS, validate

AS_OF = date(2026, 11, 10)
USCC = "91320102MA1X2Y3K4" + ids.uscc_check_char("91320102MA1X2Y3K4")
ID_NO = "32010219850402579" + ids.id_check_char("32010219850402579")


def _bronze(spark, contract, rows: list[dict]):
    names = [c.name for c in contract.columns]
    schema = ", ".join(f"`{n}` string" for n in names) + ", _parse_error string, _source_file string, _row_no long"
    data = [tuple(r.get(n) for n in names) + (None, "f", i + 1) for i, r in enumerate(rows)]
    return spark.createDataFrame(data, schema)


def _validated(spark, feed: str, **changes: object):
    contract = load_contract("credit", feed)
    row = (ENTITY if feed == "legal_entity" else SANCTION) | changes
    typed = _bronze(spark, contract, [row]).transform(validate(contract, AS_OF))
    return typed.withColumn("updated_at_utc", F.col("updated_at").cast("string")).first()


ENTITY = {
    "op": "U",
    "uscc": USCC,
    "name": "南京兴扬电子科技有限公司",
    "legal_rep_name": "许浩",
    "legal_rep_id_no": ID_NO,
    "reg_capital_wan": "466.1",
    "established_on": "2024-07-08",
    "industry_code": "N79",
    "division_code": "320102",
    "status": "active",
    "updated_at": "2026-11-10T11:51:36+08:00",
}
SANCTION = {
    "record_id": "SX2026110100001",
    "uscc": USCC,
    "category": "admin_penalty",
    "issuing_dept": "南京市市场监督管理局",
    "decided_on": "2026-10-30",
    "amount_cny": "5100.00",
    "valid_until": "2027-10-30",
    "status": "active",
    "updated_at": "2026-11-02T09:07:16+08:00",
}


def test_a_register_change_is_typed_with_updated_at_in_utc(spark) -> None:
    row = _validated(spark, "legal_entity")
    assert row[REASONS] == []
    assert row.updated_at_utc == "2026-11-10 03:51:36"  # the session time zone is UTC
    assert row.reg_capital_wan == Decimal("466.1000")


def test_a_non_monetary_sanction_without_amount_passes(spark) -> None:
    row = _validated(spark, "sanctions", category="dishonest_judgment_debtor", amount_cny="")
    assert row[REASONS] == [] and row.amount_cny is None


@pytest.mark.parametrize(
    ("feed", "change", "reason"),
    [
        ("legal_entity", {"uscc": ""}, "missing_required:uscc"),
        ("legal_entity", {"name": None}, "missing_required:name"),
        ("legal_entity", {"uscc": USCC[:17] + ("0" if USCC[17] != "0" else "1")}, "invalid_uscc:uscc"),
        (
            "legal_entity",
            {"legal_rep_id_no": ID_NO[:17] + ("0" if ID_NO[17] != "0" else "1")},
            "invalid_id_no:legal_rep_id_no",
        ),
        ("legal_entity", {"division_code": "310101"}, "invalid_division:division_code"),
        ("legal_entity", {"reg_capital_wan": "-1"}, "out_of_range:reg_capital_wan"),
        ("legal_entity", {"reg_capital_wan": "abc"}, "unparseable_row:reg_capital_wan"),
        ("legal_entity", {"established_on": "2028-01-01"}, "future_date:established_on"),
        ("legal_entity", {"op": "X"}, "invalid_code:op"),
        ("legal_entity", {"status": "dormant"}, "invalid_code:status"),
        ("sanctions", {"record_id": ""}, "missing_required:record_id"),
        ("sanctions", {"category": "parking_fine"}, "invalid_code:category"),
        ("sanctions", {"amount_cny": "-5.00"}, "out_of_range:amount_cny"),
        ("sanctions", {"decided_on": "2028-01-01"}, "future_date:decided_on"),
        ("sanctions", {"status": "expired"}, "invalid_code:status"),
    ],
)
def test_defects_are_quarantined_with_their_reason(spark, feed: str, change: dict, reason: str) -> None:
    assert reason in _validated(spark, feed, **change)[REASONS]
