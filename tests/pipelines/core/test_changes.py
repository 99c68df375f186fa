"""`ops.silver_changes`: the partitions each silver step recorded, by table and delivery date,
gathered over every run of the date (a retry adds to the record, never replaces it)."""

from __future__ import annotations

from pipelines.core.changes import CHANGES, changed_partitions, record_changes
from pipelines.io.lake import Lake
from pipelines.io.refs import TableRef

A, B, C = TableRef("silver", "a"), TableRef("silver", "b"), TableRef("silver", "c")


def test_changed_partitions_are_those_recorded_for_the_tables_and_the_date(spark, fresh_settings) -> None:
    lake = Lake(spark, fresh_settings)
    assert changed_partitions(lake, [A], "2026-11-02") == []  # no record yet
    record_changes(lake, A, "2026-11-02", "run-1", ["202610", "202609"])
    record_changes(lake, A, "2026-11-02", "run-2", ["202607"])  # a retry that saw less: adds to the record
    record_changes(lake, A, "2026-11-02", "run-2", ["202607"])  # the same record again: once
    record_changes(lake, B, "2026-11-02", "run-1", ["202611"])
    record_changes(lake, A, "2026-11-03", "run-3", ["202612"])  # another date
    record_changes(lake, C, "2026-11-02", "run-1", [])  # nothing changed: nothing recorded

    assert changed_partitions(lake, [A], "2026-11-02") == ["202607", "202609", "202610"]
    assert changed_partitions(lake, [A, B], "2026-11-02") == ["202607", "202609", "202610", "202611"]
    assert changed_partitions(lake, [A], "2026-11-03") == ["202612"]
    assert changed_partitions(lake, [C], "2026-11-02") == []
    assert changed_partitions(lake, [], "2026-11-02") == []
    rows = lake.read(CHANGES).collect()
    assert len(rows) == 5  # one row per (table, dt, partition, run)
    assert {r["table"] for r in rows} == {"silver.a", "silver.b"}
