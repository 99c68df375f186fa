"""The row-rule engine: type a bronze batch by its contract and give each row its reasons.

Everything happens in one projection: every column's cast and every rule of the
contract become expressions of a single `select`, so validating a batch costs one
pass over it whatever the number of rules. A row with no reasons is promoted; a row
with reasons is quarantined, carrying all of them (`<kind>:<column or rule>`).

Reason kinds: missing_required, unparseable_row, invalid_format, invalid_code,
invalid_uscc, invalid_id_no, invalid_division, out_of_range, future_date,
inconsistent_row (and any kind a contract's row rule names).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pipelines.core.contract import Column, FeedContract
from pipelines.timezone import LOCAL_TZ
from pipelines.transforms import identifiers

REASONS = "_reasons"
PARSE_ERROR = "_parse_error"

CHECKS: dict[str, tuple[str, Callable[[SparkColumn], SparkColumn]]] = {
    "uscc": ("invalid_uscc", identifiers.is_valid_uscc),
    "id_no": ("invalid_id_no", identifiers.is_valid_id_no),
    "jiangsu_division": ("invalid_division", identifiers.is_jiangsu_division),
    "industry_code": ("invalid_code", identifiers.is_industry_code),
}

DEFAULT_FORMATS = {"date": "yyyy-MM-dd", "timestamp": "yyyy-MM-dd'T'HH:mm:ssXXX"}


def typed(column: Column, raw: SparkColumn) -> SparkColumn:
    """`raw` (delivered text, or an already typed value) cast to the contract type, null if it does not parse."""
    text = F.trim(raw.cast("string"))
    if column.type == "string":
        return text
    if column.type == "date":
        return F.try_to_date(text, column.format or DEFAULT_FORMATS["date"])
    if column.type == "timestamp":
        if column.local_time:
            local = F.try_to_timestamp(text, F.lit(column.format or "yyyy-MM-dd HH:mm:ss"))
            return F.to_utc_timestamp(local, LOCAL_TZ)
        return F.coalesce(
            raw.try_cast("timestamp"), F.try_to_timestamp(text, F.lit(column.format or DEFAULT_FORMATS["timestamp"]))
        )
    return text.try_cast(column.type)


def is_missing(raw: SparkColumn) -> SparkColumn:
    """Null or blank."""
    return raw.isNull() | (F.trim(raw.cast("string")) == "")


def _reason(condition: SparkColumn, code: str) -> SparkColumn:
    return F.when(condition, F.lit(code))


def column_reasons(
    column: Column, raw: SparkColumn, value: SparkColumn, as_of: date | SparkColumn
) -> list[SparkColumn]:
    """Reason expressions (null when the rule passes) of one column's rules (`as_of`: a date or a date column)."""
    present = ~is_missing(raw)
    reasons = [_reason(present & value.isNull(), f"unparseable_row:{column.name}")]
    if column.required:
        reasons.append(_reason(~present, f"missing_required:{column.name}"))
    checked = present & value.isNotNull()
    if column.pattern:
        reasons.append(_reason(checked & ~value.rlike(column.pattern), f"invalid_format:{column.name}"))
    if column.values:
        reasons.append(_reason(checked & ~value.isin(list(column.values)), f"invalid_code:{column.name}"))
    if column.min is not None:
        reasons.append(_reason(checked & (value < F.lit(column.min)), f"out_of_range:{column.name}"))
    if column.max is not None:
        reasons.append(_reason(checked & (value > F.lit(column.max)), f"out_of_range:{column.name}"))
    if column.not_future:
        today = as_of if isinstance(as_of, SparkColumn) else F.lit(as_of)
        reasons.append(_reason(checked & (value.cast("date") > today), f"future_date:{column.name}"))
    for check in column.checks:
        kind, is_valid = CHECKS[check]
        reasons.append(_reason(checked & ~is_valid(value), f"{kind}:{column.name}"))
    return reasons


def validate(contract: FeedContract, as_of: date | SparkColumn) -> Callable[[DataFrame], DataFrame]:
    """Type a bronze batch by `contract` and add `_reasons` (empty array = valid).

    Args:
        contract: the feed's contract.
        as_of: the delivery date, or a column holding each row's (`_dt`: rows of several
            deliveries at once); later dates are `future_date`.

    Returns:
        A transform from bronze rows (contract columns as delivered, `_parse_error`,
        lineage columns) to typed contract columns + lineage + `_reasons`.
    """

    def transform(bronze: DataFrame) -> DataFrame:
        lineage = [c for c in bronze.columns if c.startswith("_") and c != PARSE_ERROR]
        # Catalyst collapses the two selects into one projection.
        both = bronze.select(
            *lineage,
            F.col(PARSE_ERROR),
            *[F.col(c.name).alias(f"__raw_{c.name}") for c in contract.columns],
            *[typed(c, F.col(c.name)).alias(c.name) for c in contract.columns],
        )
        reasons: list[SparkColumn] = []
        for c in contract.columns:
            reasons += column_reasons(c, F.col(f"__raw_{c.name}"), F.col(c.name), as_of)
        for rule in contract.row_rules:  # on typed values; a rule over a missing value is not judged
            reasons.append(_reason(~F.coalesce(F.expr(rule.expr), F.lit(True)), f"{rule.reason}:{rule.name}"))
        parse_error = F.col(PARSE_ERROR)
        all_reasons = F.when(
            parse_error.isNotNull(), F.array(F.concat(F.lit("unparseable_row:"), parse_error))
        ).otherwise(F.filter(F.array(*reasons), lambda r: r.isNotNull()))
        return both.select(*[c.name for c in contract.columns], *lineage, all_reasons.alias(REASONS))

    return transform
