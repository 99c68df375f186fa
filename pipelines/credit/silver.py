"""Silver transforms of the credit sector: register versions and sanction records.

The legal representative's name and identity number stay in clear here; the silver
step replaces them by tokens right after these transforms (they are `pii: true` in
the contract), so nothing downstream ever sees them.
"""

from __future__ import annotations

from pyspark.sql import DataFrame

from pipelines.core.contract import load_contract
from pipelines.transforms.common import with_city_code, with_industry_section


def clean_legal_entities(valid: DataFrame) -> DataFrame:
    """Valid, typed register changes -> `silver.credit_legal_entity` change rows.

    Every change is kept (the SCD2 write orders them by `updated_at` into versions);
    city and industry section are derived for the profile and its consumers.

    Args:
        valid: rows that passed the contract's rules (typed columns + lineage).

    Returns:
        The change rows: contract columns, `city_code`, `industry_section`, lineage.
    """
    return (
        valid.transform(with_city_code())
        .transform(with_industry_section())
        .select(*load_contract("credit", "legal_entity").silver_columns("city_code", "industry_section"))
    )


def clean_sanctions(valid: DataFrame) -> DataFrame:
    """Valid, typed sanction records -> `silver.credit_sanctions` rows (latest update wins in the MERGE).

    Args:
        valid: rows that passed the contract's rules (typed columns + lineage).

    Returns:
        The silver columns, in contract order, plus lineage.
    """
    return valid.select(*load_contract("credit", "sanctions").silver_columns())
