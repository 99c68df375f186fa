"""The tax gold build on a tiny frame: the monthly revenue aggregate per grain."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chispa import assert_df_equality

from pipelines.tax.gold import revenue_monthly


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
