"""Tax transforms on tiny frames: silver derivations and the monthly revenue aggregate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chispa import assert_df_equality

from pipelines.tax.gold import revenue_monthly
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


def test_revenue_monthly_sums_per_grain(spark) -> None:
    schema = "tax_period string, city_code string, industry_section string, tax_type_code string, tax_due_cny decimal(18,2), tax_paid_cny decimal(18,2)"
    silver = spark.createDataFrame(
        [
            ("202610", "320100", "C", "10101", Decimal("10.00"), Decimal("9.00")),
            ("202610", "320100", "C", "10101", Decimal("5.50"), Decimal("5.50")),
            ("202610", "320200", "F", "10104", Decimal("1.00"), Decimal("0.00")),
        ],
        schema,
    )
    expected = spark.createDataFrame(
        [
            ("202610", "320100", "C", "10101", 2, Decimal("15.50"), Decimal("14.50")),
            ("202610", "320200", "F", "10104", 1, Decimal("1.00"), Decimal("0.00")),
        ],
        "tax_period string, city_code string, industry_section string, tax_type_code string, returns long, "
        "tax_due_cny decimal(20,2), tax_paid_cny decimal(20,2)",
    )
    assert_df_equality(
        revenue_monthly({"tax_returns": silver}, date(2026, 11, 1)),
        expected,
        ignore_row_order=True,
        ignore_nullable=True,
    )
