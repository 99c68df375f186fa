"""Silver transforms of the tax sector: validated declarations, one row per declaration."""

from __future__ import annotations

from pyspark.sql import DataFrame

from pipelines.core.contract import load_contract
from pipelines.transforms.common import with_city_code, with_industry_section

LINEAGE = ("_batch_id", "_dt", "_source_file", "_row_no", "_ingested_at")


def returns_columns() -> list[str]:
    """Columns of `silver.tax_returns`, in order."""
    contract = [c.name for c in load_contract("tax", "returns").columns]
    return [*contract, "city_code", "industry_section", *LINEAGE]


def clean_returns(valid: DataFrame) -> DataFrame:
    """Valid, typed declarations -> `silver.tax_returns` rows (city and industry section derived).

    Args:
        valid: rows that passed the contract's rules (typed columns + lineage).

    Returns:
        The silver columns, in contract order.
    """
    return valid.transform(with_city_code()).transform(with_industry_section()).select(*returns_columns())
