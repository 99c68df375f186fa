"""Which partitions of a silver table each delivery date changed: `ops.silver_changes`.

The silver step records the partitions it is about to change *before* it writes them
(write-ahead: a crash between its commit and its end cannot lose them, and a retry, which
no longer sees the rows the first attempt deleted, adds to the record instead of replacing
it). A `touched` gold step rebuilds exactly the partitions recorded for its sources and its
date, over every run of that date, so a gold step run again, alone, in another process or
in another sector's DAG, rebuilds what the silver steps changed (ADR 0007).

One row per (table, dt, partition, run): the table is partitioned by `table`, and each
MERGE reads only its own table's partition, so silver steps of different tables running at
the same time do not conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pyspark.sql import functions as F

from pipelines.io.lake import Lake
from pipelines.io.refs import TableRef, Upsert

CHANGES = TableRef("ops", "silver_changes")
SCHEMA = "`table` string, dt string, partition_value string, run_id string, recorded_at timestamp"
KEY = ("table", "dt", "partition_value", "run_id")


def record_changes(lake: Lake, table: TableRef, dt: str, run_id: str, partitions: Sequence[str]) -> None:
    """Record that the run `run_id` of delivery date `dt` changes `partitions` of `table` (nothing when none)."""
    if not partitions:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [(str(table), dt, str(p), run_id, now) for p in partitions]
    lake.write(CHANGES, lake.spark.createDataFrame(rows, SCHEMA), Upsert(KEY, partition_by="table"))


def changed_partitions(lake: Lake, tables: Sequence[TableRef], dt: str) -> list[str]:
    """The partitions any run of delivery date `dt` recorded for any of `tables`, sorted."""
    if not tables or not lake.exists(CHANGES):
        return []
    recorded = lake.read(CHANGES).where(F.col("table").isin([str(t) for t in tables]) & (F.col("dt") == dt))
    return sorted({r[0] for r in recorded.select("partition_value").distinct().collect()})
