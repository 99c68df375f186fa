"""Operational records: step results and gate outcomes upserted by their keys, so a retried task
replaces its rows instead of adding more."""

from __future__ import annotations

import json

from pipelines import ops
from pipelines.core.steps import RunContext, StepResult
from pipelines.io.lake import Lake
from pipelines.query import read_table

OUTCOME = {"expectation": "not_null", "column": "taxpayer_id", "policy": "block", "success": True, "failing": 0}


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
