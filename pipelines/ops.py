"""Operational records, queryable by operators and analysts:

- `ops.run_metrics` — one row per run, table and date: rows in/out, rejects by reason,
  duplicates, gate summary, Data Docs page, Delta version, duration, write conflicts and
  retries, Airflow ids.
- `ops.quality_results` — one row per run, table, date and expectation (its type, column and
  other arguments): policy, success, failing count and a sample of failing values.
- `ops.schema_changes` — one row per schema change of a table (column, type, change, run, dt,
  Delta versions before and after), written by `Lake.write` itself (`pipelines.io.evolve`, ADR 0011).

Both are upserted by their keys, so a retried task replaces its rows instead of adding more.
Columns added since a table was created (`conflicts`, `retries`) are added to it by the
write that first carries them (a recorded `ALTER TABLE`, `pipelines.io.evolve`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime

from pipelines.core.steps import RunContext, StepResult
from pipelines.io import evolve
from pipelines.io.lake import Lake
from pipelines.io.refs import TableRef, Upsert

RUN_METRICS = TableRef("ops", "run_metrics")
SCHEMA_CHANGES = evolve.SCHEMA_CHANGES
QUALITY_RESULTS = TableRef("ops", "quality_results")
RUN_SCHEMA = (
    "run_id string, dag_id string, task_id string, try_number int, step string, `table` string, dt string, "
    "status string, rows_in long, promoted long, quarantined long, duplicates long, reasons string, "
    "partitions string, gate string, docs string, version long, seconds double, message string, "
    "recorded_at timestamp, conflicts int, retries int"
)
QUALITY_SCHEMA = (
    "run_id string, `table` string, dt string, expectation string, `column` string, arguments string, policy string, "
    "success boolean, failing long, sample array<string>, docs string, recorded_at timestamp"
)


def record(lake: Lake, ctx: RunContext, results: Sequence[StepResult]) -> None:
    """Upsert step results into `ops.run_metrics` and their gate outcomes into `ops.quality_results`."""
    now = datetime.now(UTC).replace(tzinfo=None)
    runs, checks = [], []
    for r in results:
        row = asdict(r)
        row.pop("outcomes")
        row.update(
            dag_id=ctx.dag_id,
            task_id=ctx.task_id,
            try_number=ctx.try_number,
            reasons=json.dumps(r.reasons, sort_keys=True),
            partitions=json.dumps(r.partitions),
            recorded_at=now,
        )
        runs.append(row)
        checks += [
            {**o, "run_id": r.run_id, "table": r.table, "dt": r.dt, "docs": r.docs, "recorded_at": now}
            for o in r.outcomes
        ]
    lake.write(RUN_METRICS, lake.spark.createDataFrame(runs, RUN_SCHEMA), Upsert(("run_id", "table", "dt")))
    if checks:
        key = ("run_id", "table", "dt", "expectation", "column", "arguments")
        lake.write(QUALITY_RESULTS, lake.spark.createDataFrame(checks, QUALITY_SCHEMA), Upsert(key))
