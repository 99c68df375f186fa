"""From bronze rows to silver candidates: the one path every promoted row takes.

A delivery's silver step, a replay and a re-delivery's recomputation of winners
(`pipelines.core.redelivery`) all classify bronze rows with `check_delivery` and turn the
valid ones into silver rows with `silver_candidates`, so types, transforms and PII tokens
are the same whichever way a row reaches silver.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.core.contract import FeedContract
from pipelines.core.rules import REASONS, validate
from pipelines.core.spec import SilverSpec, WriteMode, resolve
from pipelines.transforms.common import DUPLICATE, keep_latest, mark_exact_duplicates
from pipelines.transforms.pii import tokenize


def _unparsed_text() -> Column:
    """The raw text of a row that did not parse (null otherwise): what makes two such rows "the same row".

    Unparseable rows have no (or partial) field values, so without it every broken JSON
    line of a delivery would look like a duplicate of every other.
    """
    return F.when(F.col("_parse_error").isNotNull(), F.col("_raw"))


def with_contract_columns(bronze: DataFrame, contract: FeedContract) -> DataFrame:
    """`bronze` with each contract column filled from `_extra` where the column is null or absent (see `read_bronze`)."""
    types = {f.name: f.dataType for f in bronze.schema.fields}
    if "_extra" not in types:
        return bronze
    for c in contract.columns:
        kept = F.col("_extra").getItem(c.delivered_name)
        if c.name in types:
            bronze = bronze.withColumn(c.name, F.coalesce(F.col(c.name), kept.try_cast(types[c.name])))
        else:
            bronze = bronze.withColumn(c.name, kept if contract.is_text else kept.try_cast(c.type))
    return bronze


def check_delivery(bronze: DataFrame, spec: SilverSpec) -> DataFrame:
    """Bronze rows, classified: `_is_duplicate` (an exact repeat) and `_reasons` (rules broken).

    Rows of several deliveries may be checked at once: duplicates are found within each
    delivery (`_dt`) and every row is judged against its own delivery date.
    """
    columns = [c.name for c in spec.feed.contract.columns]
    return bronze.transform(mark_exact_duplicates([*columns, "_parse_error", _unparsed_text(), "_dt"])).transform(
        validate(spec.feed.contract, F.col("_dt"))
    )


def valid_rows(checked: DataFrame) -> DataFrame:
    """The classified rows that are promoted: neither a duplicate nor rejected, classification columns dropped."""
    return checked.where(~F.col(DUPLICATE) & (F.size(REASONS) == 0)).drop(REASONS, DUPLICATE)


def silver_candidates(spec: SilverSpec, valid: DataFrame, pii_key: str) -> DataFrame:
    """Valid typed rows -> silver rows: the spec's transform, PII tokens, one row per key."""
    pii = [c.name for c in spec.feed.contract.columns if c.pii]
    return (
        resolve(spec.transform)(valid)
        .transform(tokenize(pii, pii_key) if pii else (lambda f: f))
        .transform(keep_latest(spec.key, spec.order_by) if spec.write != WriteMode.SCD2 else (lambda f: f))
    )
