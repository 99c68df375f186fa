"""The tax silver transform on a tiny frame: city and industry section derived, extras dropped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pipelines.tax.silver import clean_returns

SILVER_IN = (
    "declaration_id string, taxpayer_id string, tax_period string, tax_type_code string, taxable_base_cny decimal(18,2), "
    "tax_due_cny decimal(18,2), tax_paid_cny decimal(18,2), declared_on date, division_code string, industry_code string, "
    "version int, _batch_id string, _dt date, _source_file string, _row_no long, _ingested_at timestamp, _extra map<string,string>"
)


def test_clean_returns_derives_city_and_section_and_drops_extras(spark) -> None:
    row = (
        "D1",
        "U",
        "202610",
        "10101",
        Decimal("1.00"),
        Decimal("2.00"),
        Decimal("2.00"),
        date(2026, 11, 1),
        "320583",
        "C13",
        1,
        "b",
        date(2026, 11, 1),
        "f",
        1,
        None,
        {},
    )
    out = spark.createDataFrame([row], SILVER_IN).transform(clean_returns)
    first = out.first()
    assert (first.city_code, first.industry_section) == ("320500", "C")
    assert "_extra" not in out.columns
