"""Gold builds of the tax sector."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

GRAIN = ("tax_period", "city_code", "industry_section", "tax_type_code")


def revenue_monthly(sources: Mapping[str, DataFrame], as_of: date) -> DataFrame:
    """`gold.tax_revenue_monthly`: declarations and amounts per period, city, industry section and tax type.

    Args:
        sources: `tax_returns` (silver, latest version of each declaration).
        as_of: the run's business date (unused: the table is per tax period).

    Returns:
        One row per grain with `returns`, `tax_due_cny`, `tax_paid_cny` (decimal(20,2)).
    """
    return (
        sources["tax_returns"]
        .groupBy(*GRAIN)
        .agg(
            F.count(F.lit(1)).alias("returns"),
            F.sum("tax_due_cny").cast("decimal(20,2)").alias("tax_due_cny"),
            F.sum("tax_paid_cny").cast("decimal(20,2)").alias("tax_paid_cny"),
        )
        .select(*GRAIN, "returns", "tax_due_cny", "tax_paid_cny")
    )
