"""The maintenance DAG: one task per layer in order, weekly after the daily runs; a layer's task
records every action and fails, naming them, when any action failed."""

from __future__ import annotations

import pytest

from pipelines import maintenance
from pipelines.orchestration import maintenance as dag_module


@pytest.fixture(scope="module")
def dag():
    return dag_module.maintenance_dag("the maintenance DAG")


def test_one_task_per_layer_in_order_weekly(dag) -> None:
    assert dag.dag_id == "maintenance" and dag.doc_md == "the maintenance DAG"
    assert dag.timetable.expression == "0 4 * * 0" and dag.timetable.timezone.name == "Asia/Shanghai"
    ids = [f"maintain__{layer}" for layer in dag_module.LAYERS]
    assert sorted(t.task_id for t in dag.tasks) == sorted(ids)
    for before, after in zip(ids, ids[1:], strict=False):
        assert dag.get_task(after).upstream_task_ids == {before}
    assert dag.get_task("maintain__silver").op_kwargs == {"layer": "silver", "table": "*"}
    assert dag.max_active_runs == 1


def _fake_run(actions: list[maintenance.Action], seen: dict):
    def run(lake, sectors, policy, run_id, layers=None, as_of=None, on_action=None, **_):
        seen.update(run_id=run_id, layers=layers, as_of=as_of)
        for a in actions:
            on_action(a)
        return actions

    return run


def test_a_layer_task_runs_its_layer_under_the_dag_run(monkeypatch) -> None:
    seen: dict = {}
    done = [maintenance.Action("silver.tax_returns", "vacuum", 10, 4, 100, 40, message="deleted 6 files")]
    monkeypatch.setattr(maintenance, "run", _fake_run(done, seen))
    monkeypatch.setattr("pipelines.spark.open_lake", lambda settings, app: object())
    out = dag_module.maintain_layer("silver", run_id="scheduled__2026-11-29", logical_date="2026-11-29")
    assert seen["run_id"] == "scheduled__2026-11-29" and seen["layers"] == ["silver"]
    assert str(seen["as_of"]) == "2026-11-29"
    assert out[0]["files_after"] == 4 and out[0]["message"] == "deleted 6 files"


def test_a_layer_task_fails_naming_the_failed_actions(monkeypatch) -> None:
    failed = maintenance.Action("gold.x", "optimize", message="FAILED: boom")
    failed.failed = True
    ok = maintenance.Action("gold.y", "vacuum", 1, 1, 1, 1)
    monkeypatch.setattr(maintenance, "run", _fake_run([ok, failed], {}))
    monkeypatch.setattr("pipelines.spark.open_lake", lambda settings, app: object())
    with pytest.raises(RuntimeError, match="1 maintenance actions failed: gold.x optimize: FAILED: boom"):
        dag_module.maintain_layer("gold", run_id="manual", logical_date="2026-11-29")
