"""Backfilling a column a silver table gained: its values for past delivery dates, taken from bronze.

When a contract column is added (ADR 0011), the next run adds it to the silver table and
the rows already there get null (or the declared default). Bronze kept the delivered field
all along: in the partitions delivered before the contract had the column, in `_extra`
(`steps.read_bronze` takes it from there). A backfill re-derives, per delivery date, the
silver rows of that date's bronze rows through the silver step's own path (the contract's
rules, the table's transform, PII tokens) and sets only the new column on the silver rows
that came from exactly those bronze rows (key and lineage match): nothing is inserted,
deleted or doubled, and quarantine is left as it is.

Every row is accounted for, per date: `bronze rows = candidates + quarantined + duplicates`
and `silver rows of the date = filled + not found in bronze`; the table's row count is the
same before and after.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pyspark.sql import functions as F

from pipelines.core.rules import REASONS
from pipelines.core.spec import SilverSpec
from pipelines.core.steps import (
    ReconciliationError,
    RunContext,
    StepResult,
    check_delivery,
    classify,
    read_bronze,
    silver_candidates,
)
from pipelines.io.lake import Lake
from pipelines.io.refs import FillColumns, TableRef
from pipelines.transforms.common import DUPLICATE

LINEAGE_MATCH = ("_batch_id", "_source_file", "_row_no")


def backfill_column(
    lake: Lake,
    spec: SilverSpec,
    column: str,
    first: str,
    last: str,
    ctx: RunContext,
    say: Callable[[str], None] = print,
) -> StepResult:
    """Fill `column` of `silver.<spec.name>` for the delivery dates `first`..`last` from bronze.

    Args:
        lake: the lake.
        spec: the silver table (its contract and transform produce `column`).
        column: the column to fill.
        first / last: delivery dates (YYYY-MM-DD), inclusive.
        ctx: the backfill's own run (recorded with any schema change).
        say: where the per-date lines go.

    Returns:
        rows_in = silver rows of those dates, promoted = rows filled, quarantined / duplicates = the
        dates' bronze rows rejected by the rules / exact repeats, partitions = the dates.

    Raises:
        ValueError: no such silver table or bronze table, or the table's build does not produce `column`.
        ReconciliationError: rows unaccounted for, or the table's row count changed.
    """
    started = time.monotonic()
    table = TableRef("silver", spec.name)
    bronze_table = TableRef("bronze", spec.feed.table)
    result = StepResult("backfill", str(table), f"{first}..{last}", ctx.run_id)
    for ref in (table, bronze_table):
        if not lake.exists(ref):
            raise ValueError(f"{ref} does not exist: nothing to backfill")
    match = (*spec.key, *LINEAGE_MATCH)
    total_before = lake.read(table).count()
    in_range = F.col("_dt").between(F.lit(first).cast("date"), F.lit(last).cast("date"))
    dates = sorted(str(r[0]) for r in lake.read(bronze_table).where(in_range).select("_dt").distinct().collect())
    bronze_counts = StepResult("backfill", str(bronze_table), result.dt, ctx.run_id)
    for dt in dates:
        checked = check_delivery(read_bronze(lake, spec.feed.contract, dt), spec).persist()
        try:
            candidates_before = bronze_counts.promoted
            classify(checked, bronze_counts)  # bronze rows = candidates + quarantined + duplicates
            valid = checked.where(~F.col(DUPLICATE) & (F.size(REASONS) == 0)).drop(REASONS, DUPLICATE)
            built = silver_candidates(spec, valid, lake.settings.pii_secret())
            if column not in built.columns:
                raise ValueError(f"{table}: its contract and transform do not produce column {column!r}")
            candidates = built.select(*match, column).persist()
            try:
                stored = lake.read(table).where(F.col("_dt") == F.lit(dt).cast("date")).select(*match)
                in_silver = stored.count()
                filled = stored.join(candidates.select(*match), on=list(match), how="left_semi").count()
                valued = stored.join(candidates.where(F.col(column).isNotNull()), on=list(match), how="left_semi")
                with_value = valued.count()
                lake.write(table, candidates, FillColumns(match, (column,)), spec.evolution(ctx.run_id, dt))
            finally:
                candidates.unpersist()
        finally:
            checked.unpersist()
        valid_now = bronze_counts.promoted - candidates_before
        superseded = valid_now - filled
        result.rows_in += in_silver
        result.promoted += filled
        say(
            f"backfill {table}.{column} dt={dt}: silver rows {in_silver} = filled {filled} "
            f"(with a value {with_value}) + not found in bronze {in_silver - filled}; "
            f"valid bronze rows {valid_now}, of which {superseded} superseded by a later version"
        )
    total_after = lake.read(table).count()
    if total_after != total_before:
        raise ReconciliationError(f"{table}: {total_before} rows before the backfill, {total_after} after")
    result.quarantined, result.duplicates = bronze_counts.quarantined, bronze_counts.duplicates
    result.partitions = dates
    result.status = "ok" if dates else "empty"
    result.message = f"{column}: filled {result.promoted} of {result.rows_in} rows of {len(dates)} date(s)"
    result.version = lake.version(table)
    result.seconds = time.monotonic() - started
    return result
