"""Silver transforms of the tax sector: validated declarations, one row per declaration."""

from __future__ import annotations

from pyspark.sql import DataFrame

from pipelines.core.contract import load_contract
from pipelines.transforms.common import with_city_code, with_industry_section


def clean_returns(valid: DataFrame) -> DataFrame:
    """Valid, typed declarations -> `silver.tax_returns` rows (city and industry section derived).

    Args:
        valid: rows that passed the contract's rules (typed columns + lineage).

    Returns:
        The silver columns, in contract order.
    """
    return (
        valid.transform(with_city_code())
        .transform(with_industry_section())
        .select(*load_contract("tax", "returns").silver_columns("city_code", "industry_section"))
    )
