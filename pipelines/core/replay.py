"""Replaying quarantined rows after a rule or reference-data fix.

The quarantined rows of a feed (optionally only those of one run or one date) are traced
back to their bronze rows, validated again with the contract as it is now, and go through
the silver step's own promotion path (`steps.promote`): the ones that pass are promoted
(exactly once — they leave the quarantine), the others stay with their new reasons.
Replay differs from a delivery's silver step only in where its rows come from.
`replayed = promoted + still quarantined` is checked.
"""

from __future__ import annotations

import time
from datetime import date

from pyspark.sql import functions as F

from pipelines.core.rules import validate
from pipelines.core.spec import SilverSpec
from pipelines.core.steps import Promotion, RunContext, StepResult, classify, promote, read_bronze
from pipelines.io.lake import Lake
from pipelines.io.refs import TableRef
from pipelines.transforms.common import DUPLICATE

ROW_KEY = ["_batch_id", "_source_file", "_row_no"]


def replay(
    lake: Lake,
    spec: SilverSpec,
    ctx: RunContext,
    only_run: str | None = None,
    only_dt: str | None = None,
) -> StepResult:
    """Re-validate quarantined rows of `spec`'s feed; promote the ones that pass now.

    Args:
        lake: the lake.
        spec: the silver table the feed promotes to.
        ctx: the replay's own run (recorded as the rows' new `_run_id`).
        only_run: replay only rows quarantined by this run.
        only_dt: replay only rows of this delivery date.

    Returns:
        rows_in = replayed rows, promoted, quarantined (still), reasons of those still rejected.
    """
    started = time.monotonic()
    feed = spec.feed
    quarantine = TableRef("quarantine", feed.table)
    result = StepResult("replay", str(quarantine), only_dt or "*", ctx.run_id)
    if not lake.exists(quarantine):
        result.status, result.message = "empty", "nothing quarantined"
        return result
    chosen = lake.read(quarantine)
    if only_run:
        chosen = chosen.where(F.col("_run_id") == only_run)
    if only_dt:
        chosen = chosen.where(F.col("_dt") == F.lit(only_dt).cast("date"))
    dates = sorted(str(r[0]) for r in chosen.select("_dt").distinct().collect())
    for dt in dates:
        picked = chosen.where(F.col("_dt") == F.lit(dt).cast("date")).select(*ROW_KEY)
        replayed = read_bronze(lake, feed.contract, dt).join(picked, on=ROW_KEY, how="left_semi")
        # Replayed rows were quarantined once, so none of them is a duplicate.
        checked = (
            replayed.withColumn(DUPLICATE, F.lit(False))
            .transform(validate(feed.contract, date.fromisoformat(dt)))
            .persist()
        )
        try:
            promoted_before = result.promoted
            classify(checked, result)
            kept = lake.read(quarantine, dt=dt).join(checked.select(*ROW_KEY), on=ROW_KEY, how="left_anti")
            # Promoted rows join what silver holds (a register is merged by key, never replaced by them).
            promotion = Promotion.ADD if result.promoted > promoted_before else Promotion.NONE
            promote(lake, spec, checked, ctx, dt, promotion, kept_in_quarantine=kept)
        finally:
            checked.unpersist()
    result.partitions = dates
    result.status = "ok" if dates else "empty"
    result.seconds = time.monotonic() - started
    return result
