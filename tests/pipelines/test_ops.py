"""Operational records: step results and gate outcomes upserted by their keys, so a retried task
replaces its rows instead of adding more; a `run_metrics` table made before the conflict columns
gains them by one ALTER recorded in `ops.schema_changes`."""

from __future__ import annotations

import json

from pipelines import ops
from pipelines.core.steps import RunContext, StepResult
from pipelines.io.lake import Lake
from pipelines.query import read_table

OUTCOME = {
    "expectation": "not_null",
    "column": "taxpayer_id",
    "arguments": "{}",
    "policy": "block",
    "success": True,
    "failing": 0,
}


def _silver(promoted: int) -> StepResult:
    result = StepResult("silver", "silver.tax_returns", "2026-11-02", "r1", rows_in=10, promoted=promoted)
    result.quarantined, result.reasons = 10 - promoted, {"invalid_uscc": 10 - promoted}
    result.outcomes = [{**OUTCOME, "sample": []}]
    return result


def test_a_retried_task_replaces_its_records(spark, fresh_settings) -> None:
    lake = Lake(spark, fresh_settings)
    bronze = StepResult("bronze", "bronze.tax_returns", "2026-11-02", "r1", rows_in=10, promoted=10)
    ops.record(lake, RunContext("r1", "2026-11-02", "tax", "bronze__tax_returns", 1), [bronze])
    assert not lake.exists(ops.QUALITY_RESULTS)  # no gate outcomes: nothing written there
    ops.record(lake, RunContext("r1", "2026-11-02", "tax", "silver__tax_returns", 1), [_silver(7)])
    ops.record(lake, RunContext("r1", "2026-11-02", "tax", "silver__tax_returns", 2), [_silver(8)])  # the retry

    runs = {r["table"]: r for r in read_table(fresh_settings, "ops", "run_metrics")}
    assert set(runs) == {"bronze.tax_returns", "silver.tax_returns"}
    silver = runs["silver.tax_returns"]
    assert (silver["promoted"], silver["try_number"], silver["dag_id"]) == (8, 2, "tax")
    assert json.loads(silver["reasons"]) == {"invalid_uscc": 2}
    checks = read_table(fresh_settings, "ops", "quality_results")
    assert [(c["table"], c["expectation"], c["success"]) for c in checks] == [("silver.tax_returns", "not_null", True)]


def test_two_checks_of_one_type_on_one_column_are_two_records_and_a_retry_replaces_both(spark, fresh_settings) -> None:
    """silver.energy_readings checks `kwh` twice with `expect_column_values_to_be_between` (not
    negative: blocks; at most 50 MWh: warns): both are kept, and the retry's MERGE does not find
    two source rows for one target row."""
    lake = Lake(spark, fresh_settings)
    between = {"expectation": "expect_column_values_to_be_between", "column": "kwh", "sample": []}
    hard = {**between, "arguments": '{"min_value": 0}', "policy": "block"}
    plausible = {**between, "arguments": '{"max_value": 50000}', "policy": "warn"}
    for try_number, failing in ((1, 3), (2, 4)):
        result = StepResult("silver", "silver.energy_readings", "2026-11-02", "r1", rows_in=10, promoted=10)
        result.outcomes = [{**hard, "success": True, "failing": 0}, {**plausible, "success": False, "failing": failing}]
        ops.record(lake, RunContext("r1", "2026-11-02", "energy", "silver__energy_readings", try_number), [result])
    checks = sorted(read_table(fresh_settings, "ops", "quality_results"), key=lambda c: c["policy"])
    assert [(c["policy"], c["arguments"], c["failing"]) for c in checks] == [
        ("block", hard["arguments"], 0),
        ("warn", plausible["arguments"], 4),
    ]


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
    added = [(c["column"], c["change"]) for c in lake.schema_changes(ops.RUN_METRICS)]
    assert sorted(added) == [("conflicts", "add_column"), ("retries", "add_column")]
    ops.record(lake, RunContext("new-run", "2026-11-02"), [result])
    assert [h["operation"] for h in lake.history(ops.RUN_METRICS)][:2] == ["MERGE", "MERGE"]  # altered once
