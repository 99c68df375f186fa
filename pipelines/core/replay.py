"""Replaying quarantined rows after a rule or reference-data fix.

The quarantined rows of a feed (optionally only those of one run or one date) are traced
back to their bronze rows, validated again with the contract as it is now, and either
promoted to silver (MERGE: exactly once — they leave the quarantine) or kept in quarantine
with their new reasons. `replayed = promoted + still quarantined` is checked.
"""

from __future__ import annotations

import time
from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from pipelines.core.rules import REASONS, validate
from pipelines.core.spec import SilverSpec
from pipelines.core.steps import (
    ReconciliationError,
    RunContext,
    StepResult,
    quarantine_rows,
    reason_kinds,
    silver_candidates,
    write_silver,
)
from pipelines.io import delta
from pipelines.io.delta import TableRef
from pipelines.quality.gate import enforce, run_gate
from pipelines.settings import Settings

ROW_KEY = ["_batch_id", "_source_file", "_row_no"]


def replay(
    spark: SparkSession,
    settings: Settings,
    spec: SilverSpec,
    ctx: RunContext,
    only_run: str | None = None,
    only_dt: str | None = None,
) -> StepResult:
    """Re-validate quarantined rows of `spec`'s feed; promote the ones that pass now.

    Args:
        spark: the session.
        settings: the deployment's settings.
        spec: the silver table the feed promotes to.
        ctx: the replay's own run (recorded as the rows' new `_run_id`).
        only_run: replay only rows quarantined by this run.
        only_dt: replay only rows of this delivery date.

    Returns:
        rows_in = replayed rows, promoted, quarantined (still), reasons of those still rejected.
    """
    started = time.monotonic()
    feed = spec.feed
    quarantine_uri = TableRef("quarantine", feed.table).uri(settings.lake_root)
    result = StepResult("replay", f"quarantine.{feed.table}", only_dt or "*", ctx.run_id)
    if not delta.exists(spark, quarantine_uri):
        result.status, result.message = "empty", "nothing quarantined"
        return result
    held = spark.read.format("delta").load(quarantine_uri)
    chosen = held
    if only_run:
        chosen = chosen.where(F.col("_run_id") == only_run)
    if only_dt:
        chosen = chosen.where(F.col("_dt") == F.lit(only_dt).cast("date"))
    dates = sorted(str(r[0]) for r in chosen.select("_dt").distinct().collect())
    bronze = spark.read.format("delta").load(TableRef("bronze", feed.table).uri(settings.lake_root))
    reasons: dict[str, int] = {}
    for dt in dates:
        replayed = bronze.where(F.col("_dt") == F.lit(dt).cast("date")).join(
            chosen.where(F.col("_dt") == F.lit(dt).cast("date")).select(*ROW_KEY), on=ROW_KEY, how="left_semi"
        )
        checked = replayed.transform(validate(feed.contract, date.fromisoformat(dt))).persist()
        try:
            counts = _counts(checked)
            valid = checked.where(F.size(REASONS) == 0).drop(REASONS)
            candidates = silver_candidates(spec, valid, settings).persist()
            enforce(run_gate(candidates, "silver", spec.name, ctx.run_id, settings))
            kept = held.where(F.col("_dt") == F.lit(dt).cast("date")).join(
                checked.select(*ROW_KEY), on=ROW_KEY, how="left_anti"
            )
            still = quarantine_rows(checked.where(F.size(REASONS) > 0), ctx).select(*held.columns)
            new_partition = kept.unionByName(still)  # Delta reads a fixed snapshot: safe to overwrite
            if counts["promoted"]:
                write_silver(spark, settings, spec, candidates)
            delta.replace_partitions(spark, new_partition, quarantine_uri, "_dt", [dt])
            candidates.unpersist()
        finally:
            checked.unpersist()
        result.rows_in += counts["rows"]
        result.promoted += counts["promoted"]
        result.quarantined += counts["quarantined"]
        for kind, n in counts["reasons"].items():
            reasons[kind] = reasons.get(kind, 0) + n
    if result.rows_in != result.promoted + result.quarantined:
        raise ReconciliationError(f"replay of {feed.table}: rows unaccounted for: {result}")
    result.reasons, result.partitions = reasons, dates
    result.status = "ok" if dates else "empty"
    result.seconds = time.monotonic() - started
    return result


def _counts(checked: DataFrame) -> dict:
    row = checked.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count_if(F.size(REASONS) == 0).alias("promoted"),
        F.count_if(F.size(REASONS) > 0).alias("quarantined"),
    ).first()
    return {
        "rows": row["rows"],
        "promoted": row["promoted"],
        "quarantined": row["quarantined"],
        "reasons": reason_kinds(checked.where(F.size(REASONS) > 0)),
    }
