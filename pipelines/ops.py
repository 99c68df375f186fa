"""Operational records: `ops.run_metrics`, one row per run, table and date."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from pyspark.sql import SparkSession

from pipelines.core.steps import RunContext, StepResult
from pipelines.io import delta
from pipelines.io.delta import TableRef
from pipelines.settings import Settings

RUN_METRICS = TableRef("ops", "run_metrics")
SCHEMA = (
    "run_id string, dag_id string, task_id string, try_number int, step string, `table` string, dt string, "
    "status string, rows_in long, promoted long, quarantined long, duplicates long, reasons string, "
    "partitions string, gate string, docs string, version long, seconds double, message string, "
    "recorded_at timestamp"
)


def record(spark: SparkSession, settings: Settings, ctx: RunContext, results: Sequence[StepResult]) -> None:
    """Upsert step results into `ops.run_metrics` (a retried task replaces its row)."""
    from datetime import UTC, datetime

    rows = []
    for r in results:
        row = asdict(r)
        row.update(
            dag_id=ctx.dag_id, task_id=ctx.task_id, try_number=ctx.try_number,
            reasons=json.dumps(r.reasons, sort_keys=True), partitions=json.dumps(r.partitions),
            recorded_at=datetime.now(UTC).replace(tzinfo=None),
        )
        rows.append(row)
    frame = spark.createDataFrame(rows, SCHEMA)
    delta.merge_keyed(spark, frame, RUN_METRICS.uri(settings.lake_root), ("run_id", "table", "dt"))
