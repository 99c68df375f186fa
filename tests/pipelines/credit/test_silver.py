"""Credit silver transforms: derived columns and the silver column sets (PII still in clear here)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pipelines.core.contract import load_contract
from pipelines.credit.silver import clean_legal_entities, clean_sanctions

LINEAGE = (
    "_batch_id string, _dt date, _source_file string, _row_no long, _ingested_at timestamp, _extra map<string,string>"
)
ENTITY_IN = (
    "op string, uscc string, name string, legal_rep_name string, legal_rep_id_no string, reg_capital_wan decimal(18,4), "
    "established_on date, industry_code string, division_code string, status string, updated_at timestamp, " + LINEAGE
)


def test_clean_legal_entities_derives_city_and_section_and_keeps_every_change(spark) -> None:
    rows = [
        (
            "I",
            "U1",
            "甲公司",
            "许浩",
            "id",
            Decimal("1"),
            date(2020, 1, 1),
            "C13",
            "320583",
            "active",
            datetime(2020, 1, 1, 1),
            "b",
            date(2026, 11, 1),
            "f",
            1,
            None,
            {"unified_address": "江苏省"},
        ),
        (
            "U",
            "U1",
            "甲公司",
            "王春",
            "id2",
            Decimal("2"),
            date(2020, 1, 1),
            "C13",
            "320583",
            "active",
            datetime(2021, 1, 1, 1),
            "b",
            date(2026, 11, 1),
            "f",
            2,
            None,
            {},
        ),
    ]
    out = spark.createDataFrame(rows, ENTITY_IN).transform(clean_legal_entities)
    assert out.columns == load_contract("credit", "legal_entity").silver_columns("city_code", "industry_section")
    assert {(r.city_code, r.industry_section) for r in out.collect()} == {("320500", "C")}
    assert out.count() == 2


def test_clean_sanctions_selects_contract_columns_and_lineage(spark) -> None:
    schema = (
        "record_id string, uscc string, category string, issuing_dept string, decided_on date, amount_cny decimal(18,2), "
        "valid_until date, status string, updated_at timestamp, " + LINEAGE
    )
    row = (
        "R1",
        "U1",
        "admin_penalty",
        "d",
        date(2026, 1, 1),
        None,
        date(2027, 1, 1),
        "active",
        datetime(2026, 1, 2),
        "b",
        date(2026, 11, 1),
        "f",
        1,
        None,
        {"source_system": "xyjs"},
    )
    out = spark.createDataFrame([row], schema).transform(clean_sanctions)
    assert out.columns == load_contract("credit", "sanctions").silver_columns()
