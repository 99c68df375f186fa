"""Re-delivery replaces, never accumulates: what a delivery's silver write is made of (ADR 0007).

Silver is a function of bronze, each date's latest delivery. When delivery `dt` comes
(again), the silver rows an earlier delivery of `dt` left (`_dt = dt`) lose their claim:
the winners of their keys are recomputed from the new delivery's candidates and from the
other dates' bronze rows of those keys only, re-validated through the same path as any
delivery (`check_delivery` → `silver_candidates`), and keys left without a winner are
deleted, in the same commit. A key of the new delivery whose stored row came from another
date needs no bronze: that row already is the best of the other dates, so the MERGE only
compares it with the new one. A first delivery finds nothing left behind (Delta's file
statistics on `_dt` answer that from the log) and reads no bronze: it costs a plain MERGE.

Registers (`snapshot`) are delivered whole: the table becomes the delivery, unless it
already holds a newer one (an old date re-delivered does not roll the register back).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pipelines.core.candidates import check_delivery, silver_candidates, valid_rows, with_contract_columns
from pipelines.core.rules import typed
from pipelines.core.spec import SilverSpec, WriteMode
from pipelines.io.lake import Lake
from pipelines.io.refs import TableRef, WriteRule
from pipelines.transforms.common import keep_latest


@dataclass(frozen=True)
class SilverWrite:
    """How a batch of candidates reaches silver.

    Attributes:
        frame: the rows to write.
        rule: the write rule (None: nothing to write, e.g. an old register re-delivered).
        partitions: the partitions the write changes (its rows' and those of the rows it
            replaces or deletes); [] for an unpartitioned table.
        message: what the step should say about it ("" = nothing unusual).
    """

    frame: DataFrame
    rule: WriteRule | None
    partitions: list[str]
    message: str = ""


def partitions_of(frame: DataFrame, column: str) -> set[str]:
    """The distinct values of partition `column` in `frame` (none for an unpartitioned table)."""
    return {str(r[0]) for r in frame.select(column).distinct().collect()} if column else set()


def left_by_earlier_delivery(lake: Lake, spec: SilverSpec, dt: str) -> DataFrame:
    """Key and partition of the silver rows that delivery `dt` stored before (`_dt = dt`)."""
    extra = [spec.partition_by] if spec.partition_by else []
    return lake.read(TableRef("silver", spec.name), dt=dt).select(*spec.key, *extra)


def other_deliveries(lake: Lake, spec: SilverSpec, keys: DataFrame, dt: str) -> DataFrame:
    """Silver candidates of `keys` from every bronze delivery but `dt`'s (all of their valid versions).

    The bronze rows are narrowed to `keys` on the typed key columns first (a semi-join), so
    only their rows are validated and transformed.
    """
    contract = spec.feed.contract
    bronze = lake.read(TableRef("bronze", spec.feed.table)).where(F.col("_dt") != F.lit(dt).cast("date"))
    bronze = with_contract_columns(bronze, contract)  # an older partition may hold a newer column in `_extra`
    wanted = keys.select(*[F.col(k).alias(f"__key_{k}") for k in spec.key])
    same_key = [typed(contract.column(k), bronze[k]) == wanted[f"__key_{k}"] for k in spec.key]
    rows = bronze.join(wanted, on=same_key, how="left_semi")
    return silver_candidates(spec, valid_rows(check_delivery(rows, spec)), lake.settings.pii_secret())


@contextmanager
def replacing(lake: Lake, spec: SilverSpec, candidates: DataFrame, dt: str) -> Iterator[SilverWrite]:
    """The write that makes delivery `dt`'s candidates replace whatever an earlier delivery of `dt` left.

    Args:
        lake: the lake.
        spec: the silver table.
        candidates: the delivery's silver candidates (already gated).
        dt: the delivery date.

    Yields:
        The rows, rule and changed partitions; frames it caches are released on exit.
    """
    table = TableRef("silver", spec.name)
    if not lake.exists(table):
        yield SilverWrite(candidates, spec.delivery_rule(dt), sorted(partitions_of(candidates, spec.partition_by)))
        return
    if spec.write == WriteMode.SNAPSHOT:
        yield register_write(lake, table, spec, candidates, dt)
        return
    left = left_by_earlier_delivery(lake, spec, dt).persist()
    frame = candidates
    try:
        if not left.isEmpty():
            rivals = other_deliveries(lake, spec, left.select(*spec.key).distinct(), dt)
            frame = candidates.unionByName(rivals)
            if spec.write != WriteMode.SCD2:
                frame = frame.transform(keep_latest(spec.key, spec.order_by))
            if spec.partition_by:  # read twice: for its partitions, then by the write
                frame = frame.persist()
        stale = partitions_of(left, spec.partition_by)
        parts = sorted(partitions_of(frame, spec.partition_by) | stale)
        yield SilverWrite(frame, spec.delivery_rule(dt, tuple(sorted(stale))), parts)
    finally:
        left.unpersist()
        if frame is not candidates:
            frame.unpersist()


def register_write(lake: Lake, table: TableRef, spec: SilverSpec, candidates: DataFrame, dt: str) -> SilverWrite:
    """A register becomes delivery `dt`, unless the table holds a newer delivery."""
    newest = lake.read(table).agg(F.max("_dt")).first()
    stored = newest[0] if newest is not None else None
    if stored is not None and stored > date.fromisoformat(dt):
        return SilverWrite(candidates, None, [], f"register of {stored} kept: this delivery is older")
    return SilverWrite(candidates, spec.delivery_rule(dt), [])


def adding(spec: SilverSpec, candidates: DataFrame) -> SilverWrite:
    """The write of candidates that join silver and replace no delivery (a replay): a register is merged by key."""
    return SilverWrite(candidates, spec.merge_rule(), sorted(partitions_of(candidates, spec.partition_by)))
