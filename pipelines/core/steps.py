"""The three steps every table goes through: bronze ingestion, silver promotion, gold build.

Each step reads, applies pure transforms, passes its gate *before* writing, writes
idempotently and returns a `StepResult` with the counts that reconcile:
`manifest rows = bronze rows` and `bronze rows = promoted + quarantined + duplicates`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pipelines.core.candidates import check_delivery, silver_candidates, valid_rows, with_contract_columns
from pipelines.core.changes import changed_partitions, record_changes
from pipelines.core.contract import FeedContract
from pipelines.core.redelivery import SilverWrite, adding, replacing
from pipelines.core.rules import REASONS
from pipelines.core.spec import FeedSpec, GoldMode, GoldSpec, SilverSpec, resolve
from pipelines.io.lake import Lake
from pipelines.io.landing import Delivery, DeliveryRejected
from pipelines.io.refs import Evolution, Overwrite, ReplacePartitions, TableRef
from pipelines.quality.gate import GateResult, enforce, quarantine_gate, run_gate
from pipelines.transforms.common import DUPLICATE

__all__ = ["check_delivery", "silver_candidates"]  # also used by replay and the benchmarks


class Promotion(StrEnum):
    """What a promotion does with the candidates it gated."""

    DELIVERY = "delivery"  # they are the date's whole delivery: they replace what an earlier one left (ADR 0007)
    ADD = "add"  # they join silver, replacing nothing (a replay)
    NONE = "none"  # silver untouched (a replay that promotes nothing rewrites only the quarantine)


class ReconciliationError(Exception):
    """Rows were lost or invented between layers."""


@dataclass(frozen=True)
class RunContext:
    """Who runs a step: the run id (Airflow's or the CLI's) and the business date."""

    run_id: str
    dt: str
    dag_id: str = ""
    task_id: str = ""
    try_number: int = 0


@dataclass
class StepResult:
    """What a step did, for the summary, the task log and `ops.run_metrics`."""

    step: str
    table: str
    dt: str
    run_id: str
    rows_in: int = 0
    promoted: int = 0
    quarantined: int = 0
    duplicates: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    partitions: list[str] = field(default_factory=list)
    gate: str = "-"
    docs: str = ""
    version: int | None = None
    seconds: float = 0.0
    conflicts: int = 0  # commits that lost to a concurrent writer, and sources that moved under a rebuild
    retries: int = 0  # writes (or rebuilds) tried again after a conflict
    status: str = "ok"
    message: str = ""
    outcomes: list[dict] = field(default_factory=list)

    def record_gate(self, gate: GateResult) -> None:
        """Keep a gate's verdict: summary, Data Docs page and every expectation's outcome."""
        self.gate, self.docs = gate.summary(), gate.docs
        self.outcomes = [
            {
                "expectation": o.expectation,
                "column": o.column,
                "arguments": o.arguments,
                "policy": o.policy,
                "success": o.success,
                "failing": o.failing,
                "sample": [str(v) for v in o.sample],
            }
            for o in gate.outcomes
        ]

    def log_line(self) -> str:
        """One line for the task log."""
        return (
            f"{self.step} {self.table} dt={self.dt}: in={self.rows_in} promoted={self.promoted} "
            f"quarantined={self.quarantined} duplicates={self.duplicates} gate={self.gate} "
            f"version={self.version} {self.message}".rstrip()
        )


def _gate(lake: Lake, frame: DataFrame, table: TableRef, ctx: RunContext) -> GateResult:
    return enforce(run_gate(frame, table.layer, table.name, ctx.run_id, lake.settings))


def ingest_bronze(lake: Lake, feed: FeedSpec, ctx: RunContext) -> StepResult:
    """Land a verified delivery in `bronze.<sector>_<feed>`, replacing an earlier delivery of its dt.

    Raises:
        DeliveryIncomplete / DeliveryRejected: from the manifest check (nothing written).
        GateFailed: the bronze suite blocked (nothing written).
        ReconciliationError: bronze rows differ from the manifest's.
    """
    started = time.monotonic()
    contract = feed.contract
    delivery = lake.verify_delivery(contract, ctx.dt)
    table = TableRef("bronze", feed.table)
    result = StepResult("bronze", str(table), ctx.dt, ctx.run_id, rows_in=delivery.rows)
    if delivery.rows == 0:
        result.status, result.message = "empty", "empty delivery: nothing to write"
        if lake.exists(table) and not lake.read(table, dt=ctx.dt).isEmpty():
            # A re-delivery of nothing replaces the earlier delivery too.
            lake.write(table, lake.read(table).where(F.lit(False)), ReplacePartitions("_dt", (ctx.dt,)))
            result.message, result.version = "empty delivery: the earlier delivery's rows removed", lake.version(table)
        return result
    rows = (
        lake.read_delivery(delivery, contract)
        .withColumn("_batch_id", F.lit(delivery.batch_id))
        .withColumn("_dt", F.lit(ctx.dt).cast("date"))
        .withColumn("_ingested_at", F.current_timestamp())
        .withColumn("_run_id", F.lit(ctx.run_id))
        .persist()
    )
    try:
        landed = _land(lake, rows, delivery, contract)
        lake.recheck_delivery(delivery)  # what Spark read is what was verified
        gate = _gate(lake, rows, table, ctx)
        # Bronze is text: a contract column's rename is declared; a widening is silver's.
        evolution = Evolution(ctx.run_id, ctx.dt, (), contract.migrations(typed=False))
        lake.write(table, rows, ReplacePartitions("_dt", (ctx.dt,)), evolution)
    finally:
        rows.unpersist()
    result.promoted = landed
    result.record_gate(gate)
    if delivery.extra_columns:
        result.message = f"schema drift: extra columns {list(delivery.extra_columns)} kept in _extra"
    result.version = lake.version(table)
    result.seconds = time.monotonic() - started
    return result


def _land(lake: Lake, rows: DataFrame, delivery: Delivery, contract: FeedContract) -> int:
    """Read the delivery into the cache; its rows must be the manifest's, file by file.

    Raises:
        DeliveryRejected: a file Spark cannot read (e.g. a corrupt Parquet page behind a valid footer).
        ReconciliationError: bronze rows differ from the manifest's (naming the file).
    """
    try:
        landed = rows.count()
    except Exception as err:  # Spark's read error: find the file, for a message that names it
        bad = lake.first_unreadable_file(delivery, contract)
        if bad is None:
            raise
        raise DeliveryRejected(delivery.uri, bad[0], "unreadable_file", bad[1]) from err
    if landed != delivery.rows:
        per_file = {r[0]: r[1] for r in rows.groupBy("_source_file").count().collect()}
        wrong = [
            f"{f.name}: manifest {f.rows}, read {per_file.get(f.name, 0)}"
            for f in delivery.files
            if per_file.get(f.name, 0) != f.rows
        ]
        raise ReconciliationError(
            f"delivery {delivery.uri}: manifest declares {delivery.rows} rows, bronze read {landed} ({'; '.join(wrong)})"
        )
    return landed


def read_bronze(lake: Lake, contract: FeedContract, dt: str | None = None) -> DataFrame:
    """The bronze rows of `contract`'s feed (of delivery date `dt`), with every contract column.

    A partition delivered before a column joined the contract holds the delivered field in
    `_extra` (schema drift); the column is taken from there (by its delivered name) wherever
    it is null, and made from it when the bronze table has no such column yet.
    """
    return with_contract_columns(lake.read(TableRef("bronze", contract.name), dt=dt), contract)


def quarantine_rows(rejected: DataFrame, ctx: RunContext) -> DataFrame:
    """Rejected rows as `quarantine.<sector>_<feed>` rows: where they came from, their raw content and reasons."""
    raw = F.coalesce(F.col("_raw"), F.to_json(F.struct(*[c for c in rejected.columns if not c.startswith("_")])))
    return rejected.select(
        "_batch_id",
        "_dt",
        "_source_file",
        "_row_no",
        raw.alias("_raw"),
        F.col(REASONS).alias("reasons"),
        F.lit(ctx.run_id).alias("_run_id"),
        F.current_timestamp().alias("_quarantined_at"),
    )


def promote_silver(lake: Lake, spec: SilverSpec, ctx: RunContext) -> StepResult:
    """Validate a delivery's bronze rows, quarantine the rejects and write the rest to silver.

    Personal data columns of the contract are replaced by tokens after the spec's
    transform. The write follows `spec.write` (MERGE latest, SCD2 history or snapshot) and
    replaces whatever an earlier delivery of the date left in silver and quarantine (ADR 0007).

    Raises:
        GateFailed: the silver suite blocked (silver and quarantine untouched).
        ReconciliationError: bronze rows != promoted + quarantined + duplicates.
    """
    started = time.monotonic()
    table = TableRef("silver", spec.name)
    result = StepResult("silver", str(table), ctx.dt, ctx.run_id)
    bronze_table = TableRef("bronze", spec.feed.table)
    if not lake.exists(bronze_table):
        result.status, result.message = "empty", "no bronze table yet"
        return result
    bronze = read_bronze(lake, spec.feed.contract, ctx.dt)
    checked = check_delivery(bronze, spec).persist()
    try:
        classify(checked, result)
        if result.rows_in == 0 and not left_behind(lake, spec, ctx.dt):
            result.status, result.message = "empty", "no bronze rows for this dt"
            return result
        threshold = enforce(quarantine_gate(spec.name, result.rows_in, result.quarantined))
        gate, result.partitions, result.message = promote(lake, spec, checked, ctx, ctx.dt, Promotion.DELIVERY)
    finally:
        checked.unpersist()
    taken = {c.delivered_name for c in spec.feed.contract.columns}
    keys = bronze.select(F.explode(F.map_keys("_extra"))).distinct().collect()
    drift = sorted({k for r in keys for k in r if k not in taken})
    if drift:
        result.message = f"schema drift: {drift} not in the contract, ignored by silver {result.message}".rstrip()
    result.record_gate(GateResult(gate.table, gate.suite, gate.outcomes + threshold.outcomes, gate.docs))
    result.version = lake.version(table)
    result.seconds = time.monotonic() - started
    return result


def left_behind(lake: Lake, spec: SilverSpec, dt: str) -> bool:
    """True when an earlier delivery of `dt` left rows in silver or quarantine (an empty re-delivery removes them)."""
    tables = (TableRef("silver", spec.name), TableRef("quarantine", spec.feed.table))
    return any(lake.exists(t) and not lake.read(t, dt=dt).isEmpty() for t in tables)


def promote(
    lake: Lake,
    spec: SilverSpec,
    checked: DataFrame,
    ctx: RunContext,
    dt: str,
    promotion: Promotion,
    kept_in_quarantine: DataFrame | None = None,
) -> tuple[GateResult, list[str], str]:
    """The one promotion path (a delivery's silver step and a replay): gate, then quarantine and silver writes.

    Args:
        lake: the lake.
        spec: the silver table.
        checked: classified rows of delivery date `dt` (`check_delivery` or a replay's re-validation).
        ctx: the run.
        dt: the delivery date whose quarantine partition is rewritten.
        promotion: what becomes of the candidates in silver (replace the date's earlier delivery, add, nothing).
        kept_in_quarantine: quarantine rows of `dt` that stay as they are (a replay of part of the
            partition); None when `checked` is the whole delivery.

    Returns:
        The silver gate's result, the silver partitions changed and a note on the write ("" = none).

    Raises:
        GateFailed: the silver suite blocked (silver and quarantine untouched).
    """
    candidates = silver_candidates(spec, valid_rows(checked), lake.settings.pii_secret()).persist()
    try:
        gate = _gate(lake, candidates, TableRef("silver", spec.name), ctx)
        partitions: list[str] = []
        note = ""
        # Silver first, quarantine second: a crash in between leaves the rows in quarantine (a
        # rerun promotes them again, idempotently), never out of both.
        if promotion == Promotion.DELIVERY:
            with replacing(lake, spec, candidates, dt) as write:
                partitions, note = write_silver(lake, spec, write, ctx, dt)
        elif promotion == Promotion.ADD:
            partitions, note = write_silver(lake, spec, adding(spec, candidates), ctx, dt)
        fresh = checked.where(~F.col(DUPLICATE))
        rejected = quarantine_rows(fresh.where(F.size(REASONS) > 0), ctx)
        if kept_in_quarantine is not None:
            rejected = kept_in_quarantine.unionByName(rejected.select(*kept_in_quarantine.columns))
        # Delta reads a fixed snapshot, so rewriting the partition the kept rows come from is safe.
        lake.write(
            TableRef("quarantine", spec.feed.table),
            rejected,
            ReplacePartitions("_dt", (dt,)),
            Evolution(ctx.run_id, dt),
        )
    finally:
        candidates.unpersist()
    return gate, partitions, note


def write_silver(lake: Lake, spec: SilverSpec, write: SilverWrite, ctx: RunContext, dt: str) -> tuple[list[str], str]:
    """Record the partitions a silver write changes (before it: write-ahead), then write.

    Returns:
        The partitions and the write's note.
    """
    table = TableRef("silver", spec.name)
    record_changes(lake, table, dt, ctx.run_id, write.partitions)
    if write.rule is not None:
        lake.write(table, write.frame, write.rule, spec.evolution(ctx.run_id, dt))
    return write.partitions, write.message


def classify(checked: DataFrame, result: StepResult) -> None:
    """Count a classified batch into `result`: rows, duplicates, promoted, quarantined (one aggregation), reasons.

    Each class is counted on its own, so a row that falls in none (or two) breaks the
    reconciliation `rows = promoted + quarantined + duplicates` instead of vanishing.

    Raises:
        ReconciliationError: the classes do not add up to the rows.
    """
    is_rejected = ~F.col(DUPLICATE) & (F.size(REASONS) > 0)
    row = checked.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count_if(F.col(DUPLICATE)).alias("duplicates"),
        F.count_if(~F.col(DUPLICATE) & (F.size(REASONS) == 0)).alias("promoted"),
        F.count_if(is_rejected).alias("quarantined"),
    ).first()
    assert row is not None  # a global aggregation always returns one row
    result.rows_in += row["rows"]
    result.duplicates += row["duplicates"]
    result.promoted += row["promoted"]
    result.quarantined += row["quarantined"]
    for kind, n in reason_kinds(checked.where(is_rejected)).items():
        result.reasons[kind] = result.reasons.get(kind, 0) + n
    if result.rows_in != result.promoted + result.quarantined + result.duplicates:
        raise ReconciliationError(f"{result.table} dt={result.dt}: rows unaccounted for: {result}")


def reason_kinds(rejected: DataFrame) -> dict[str, int]:
    """Rejected rows per reason kind (a row with two reasons of one kind counts once)."""
    kinds = (
        rejected.select(F.explode(F.array_distinct(F.transform(REASONS, lambda r: F.split(r, ":")[0]))).alias("kind"))
        .groupBy("kind")
        .count()
        .collect()
    )
    return {k["kind"]: k["count"] for k in kinds}


def touched_partitions(lake: Lake, spec: GoldSpec, dt: str) -> list[str]:
    """Partitions of `spec` that the dt's deliveries changed in its silver sources (as their steps recorded)."""
    return changed_partitions(lake, spec.partitioned_refs, dt)


def snapshot_dates(lake: Lake, spec: GoldSpec, dt: str) -> list[str]:
    """The `as_of` snapshots to build for `dt`: its own and every later one stored (each was built over `dt`'s earlier delivery)."""
    table = TableRef("gold", spec.name)
    if not spec.partition_by or not lake.exists(table):
        return [dt]
    stored = {str(r[0]) for r in lake.read(table).select(spec.partition_by).distinct().collect()}
    return [dt, *sorted(d for d in stored if d > dt)]


def build_gold(lake: Lake, spec: GoldSpec, ctx: RunContext) -> StepResult:
    """Rebuild `gold.<name>` for the date: the touched partitions, or the date's snapshot (and later ones).

    Raises:
        GateFailed: the gold suite blocked (the gold table untouched).
    """
    started = time.monotonic()
    table = TableRef("gold", spec.name)
    result = StepResult("gold", str(table), ctx.dt, ctx.run_id)
    missing = [str(ref) for ref in spec.source_refs if not lake.exists(ref)]
    if missing:
        result.status, result.message = "empty", f"sources not built yet: {missing}"
        return result
    sources = {ref.name: lake.read(ref) for ref in spec.source_refs}
    build = resolve(spec.build)
    if spec.mode == GoldMode.TOUCHED:
        parts = touched_partitions(lake, spec, ctx.dt)
        if not parts:
            result.status, result.message = "empty", "no silver changes for this dt"
            return result
        limited = {ref.name for ref in spec.partitioned_refs}
        sources = {
            n: f.where(F.col(spec.partition_by).cast("string").isin(parts)) if n in limited else f
            for n, f in sources.items()
        }
        built = build(sources, date.fromisoformat(ctx.dt))
    else:
        dates = snapshot_dates(lake, spec, ctx.dt)
        built = reduce(DataFrame.unionByName, (build(sources, date.fromisoformat(d)) for d in dates))
        parts = dates if spec.partition_by else []
        if len(dates) > 1:
            result.message = f"later snapshots rebuilt too: {dates[1:]}"
    built = built.persist()
    try:
        result.rows_in = result.promoted = built.count()
        if spec.mode == GoldMode.AS_OF and len(parts) > 1:
            # A suite describes one snapshot (e.g. one row per entity): each is gated on its own,
            # all before the write; the date's own gate is the one recorded.
            of = F.col(spec.partition_by).cast("string")
            gate = _gate(lake, built.where(of == parts[0]), table, ctx)
            for later in parts[1:]:
                _gate(lake, built.where(of == later), table, ctx)
        else:
            gate = _gate(lake, built, table, ctx)
        lake.write(
            table,
            built,
            ReplacePartitions(spec.partition_by, tuple(parts)) if spec.partition_by else Overwrite(),
            spec.evolution(ctx.run_id, ctx.dt),
        )
    finally:
        built.unpersist()
    result.partitions = parts
    result.record_gate(gate)
    result.version = lake.version(table)
    result.seconds = time.monotonic() - started
    return result
