"""`ops.run_metrics` tables made before the conflict columns existed keep working: one recorded ALTER adds them."""

from __future__ import annotations

import pytest

from pipelines import ops
from pipelines.core.steps import RunContext, StepResult
from pipelines.io.lake import Lake
from pipelines.query import read_table

pytestmark = pytest.mark.integration
OLD_SCHEMA = ops.RUN_SCHEMA.replace(", conflicts int, retries int", "")


def test_an_old_run_metrics_table_gains_the_conflict_columns(spark, fresh_settings) -> None:
    lake = Lake(spark, fresh_settings)
    old = {name: None for name in (f.split()[0].strip("`") for f in OLD_SCHEMA.split(", "))}
    old.update(run_id="old-run", table="silver.t", dt="2026-11-01", status="ok", rows_in=3)
    lake.spark.createDataFrame([old], OLD_SCHEMA).write.format("delta").save(lake.uri(ops.RUN_METRICS))

    result = StepResult("gold", "gold.t", "2026-11-02", "new-run", rows_in=5, conflicts=2, retries=2)
    ops.record(lake, RunContext("new-run", "2026-11-02"), [result])

    rows = {r["run_id"]: r for r in read_table(fresh_settings, "ops", "run_metrics")}
    assert (rows["old-run"]["rows_in"], rows["old-run"]["conflicts"], rows["old-run"]["retries"]) == (3, None, None)
    assert (rows["new-run"]["rows_in"], rows["new-run"]["conflicts"], rows["new-run"]["retries"]) == (5, 2, 2)
    operations = [h["operation"] for h in lake.history(ops.RUN_METRICS)]
    assert operations[:2] == ["MERGE", "ADD COLUMNS"]
    ops.record(lake, RunContext("new-run", "2026-11-02"), [result])
    assert [h["operation"] for h in lake.history(ops.RUN_METRICS)][:2] == ["MERGE", "MERGE"]  # altered once
