"""The three steps every table goes through: bronze ingestion, silver promotion, gold build.

Each step reads, applies pure transforms, passes its gate *before* writing, writes
idempotently and returns a `StepResult` with the counts that reconcile:
`manifest rows = bronze rows` and `bronze rows = promoted + quarantined + duplicates`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.core.contract import FeedContract
from pipelines.core.rules import REASONS, validate
from pipelines.core.spec import FeedSpec, GoldMode, GoldSpec, SilverSpec, WriteMode, resolve
from pipelines.io.lake import Lake
from pipelines.io.landing import Delivery, DeliveryRejected
from pipelines.io.refs import Evolution, Overwrite, ReplacePartitions, TableRef, WriteRule
from pipelines.quality.gate import GateResult, enforce, quarantine_gate, run_gate
from pipelines.transforms.common import DUPLICATE, keep_latest, mark_exact_duplicates
from pipelines.transforms.pii import tokenize


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


def _unparsed_text() -> Column:
    """The raw text of a row that did not parse (null otherwise): what makes two such rows "the same row".

    Unparseable rows have no (or partial) field values, so without it every broken JSON
    line of a delivery would look like a duplicate of every other.
    """
    return F.when(F.col("_parse_error").isNotNull(), F.col("_raw"))


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


def check_delivery(bronze: DataFrame, spec: SilverSpec, dt: str) -> DataFrame:
    """A delivery's bronze rows, classified: `_is_duplicate` (an exact repeat) and `_reasons` (rules broken)."""
    columns = [c.name for c in spec.feed.contract.columns]
    return bronze.transform(mark_exact_duplicates([*columns, "_parse_error", _unparsed_text()])).transform(
        validate(spec.feed.contract, date.fromisoformat(dt))
    )


def promote_silver(lake: Lake, spec: SilverSpec, ctx: RunContext) -> StepResult:
    """Validate a delivery's bronze rows, quarantine the rejects and write the rest to silver.

    Personal data columns of the contract are replaced by tokens after the spec's
    transform. The write follows `spec.write` (MERGE latest, SCD2 history or snapshot).

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
    checked = check_delivery(bronze, spec, ctx.dt).persist()
    try:
        classify(checked, result)
        if result.rows_in == 0:
            result.status, result.message = "empty", "no bronze rows for this dt"
            return result
        threshold = enforce(quarantine_gate(spec.name, result.rows_in, result.quarantined))
        gate, result.partitions = promote(lake, spec, checked, ctx, ctx.dt, spec.write_rule())
    finally:
        checked.unpersist()
    taken = {c.delivered_name for c in spec.feed.contract.columns}
    keys = bronze.select(F.explode(F.map_keys("_extra"))).distinct().collect()
    drift = sorted({k for r in keys for k in r if k not in taken})
    if drift:
        result.message = f"schema drift: {drift} not in the contract, ignored by silver"
    result.record_gate(GateResult(gate.table, gate.suite, gate.outcomes + threshold.outcomes, gate.docs))
    result.version = lake.version(table)
    result.seconds = time.monotonic() - started
    return result


def promote(
    lake: Lake,
    spec: SilverSpec,
    checked: DataFrame,
    ctx: RunContext,
    dt: str,
    silver_rule: WriteRule | None,
    kept_in_quarantine: DataFrame | None = None,
) -> tuple[GateResult, list[str]]:
    """The one promotion path (a delivery's silver step and a replay): gate, then quarantine and silver writes.

    Args:
        lake: the lake.
        spec: the silver table.
        checked: classified rows of delivery date `dt` (`check_delivery` or a replay's re-validation).
        ctx: the run.
        dt: the delivery date whose quarantine partition is rewritten.
        silver_rule: how the candidates are written to silver (None: not at all).
        kept_in_quarantine: quarantine rows of `dt` that stay as they are (a replay of part of the
            partition); None when `checked` is the whole delivery.

    Returns:
        The silver gate's result and the silver partitions written.

    Raises:
        GateFailed: the silver suite blocked (silver and quarantine untouched).
    """
    fresh = checked.where(~F.col(DUPLICATE))
    valid = fresh.where(F.size(REASONS) == 0).drop(REASONS, DUPLICATE)
    candidates = silver_candidates(spec, valid, lake.settings.pii_secret()).persist()
    try:
        gate = _gate(lake, candidates, TableRef("silver", spec.name), ctx)
        partitions: list[str] = []
        # Silver first, quarantine second: a crash in between leaves the rows in quarantine (a
        # rerun promotes them again, idempotently), never out of both.
        if silver_rule is not None:
            lake.write(TableRef("silver", spec.name), candidates, silver_rule, spec.evolution(ctx.run_id, dt))
        if silver_rule is not None and spec.partition_by:
            partitions = sorted(str(r[0]) for r in candidates.select(spec.partition_by).distinct().collect())
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
    return gate, partitions


def silver_candidates(spec: SilverSpec, valid: DataFrame, pii_key: str) -> DataFrame:
    """Valid typed rows -> silver rows: the spec's transform, PII tokens, one row per key."""
    pii = [c.name for c in spec.feed.contract.columns if c.pii]
    return (
        resolve(spec.transform)(valid)
        .transform(tokenize(pii, pii_key) if pii else (lambda f: f))
        .transform(keep_latest(spec.key, spec.order_by) if spec.write != WriteMode.SCD2 else (lambda f: f))
    )


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
    """Partitions of `spec` that the dt's deliveries changed in its silver sources."""
    values: set[str] = set()
    for ref in spec.partitioned_refs:
        if lake.exists(ref):
            frame = lake.read(ref, dt=dt)
            values |= {str(r[0]) for r in frame.select(spec.partition_by).distinct().collect()}
    return sorted(values)


def build_gold(lake: Lake, spec: GoldSpec, ctx: RunContext) -> StepResult:
    """Rebuild `gold.<name>` for the date: the touched partitions, or the date's snapshot.

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
    else:
        parts = [ctx.dt] if spec.partition_by else []
    built = resolve(spec.build)(sources, date.fromisoformat(ctx.dt)).persist()
    try:
        result.rows_in = result.promoted = built.count()
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
