"""An Airflow task killed in the middle of its write (driver and JVM: a lost node) is retried by Airflow and the lake ends clean.

The health DAG runs through `airflow dags test --use-executor` on SQLite, each task in a
process of its own. On its first try, the visits' silver task is killed — its whole process
group — as soon as a data file of its write is on disk and before the commit (it creates the
table). Airflow's supervisor sees the task die, the try fails, Airflow retries it after the
configured delay, and the retry succeeds; the lake then holds exactly what a clean
`lakehouse run` of the same day holds (content, not counts), every version readable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reliability.lakes import check_every_version, diff, orphan_files, sector_content, tables

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.integration,
    pytest.mark.timeout(3600),
]
TASK = "silver__health_outpatient_visits"


def test_the_killed_try_is_retried_by_airflow_and_the_retry_succeeds(airflow_health) -> None:
    run = airflow_health
    assert run.kill, f"the task was never killed:\n{run.output[-3000:]}"
    assert run.kill["table"] == "silver.health_outpatient_visits"
    tries = run.airflow.tries("health")
    assert [state for _, state in tries[TASK]][-1] == "success", tries
    assert [n for n, _ in tries[TASK]] == [1, 2], tries
    assert tries[TASK][0][1] in ("failed", "up_for_retry"), tries
    assert run.code == 0, run.output[-3000:]
    assert {"bronze__health_hospitals", "silver__health_hospitals", "gold__health_syndromic_weekly"} < set(tries)
    assert all(t == [(1, "success")] for task, t in tries.items() if task != TASK), tries
    logs = {p.name for p in run.airflow.task_logs() if f"task_id={TASK}" in str(p)}
    assert {"attempt=1.log", "attempt=2.log"} <= logs


def _committed_before(lake, kill: dict) -> bool:
    """True when the killed try's commit still landed before the signal (its version is older than the kill)."""
    from deltalake import DeltaTable

    history = DeltaTable(str(Path(lake.lake_root, "silver", "health_outpatient_visits"))).history()
    first = next((h for h in history if h["version"] == kill["commits_before"]), None)
    return first is not None and first["timestamp"] / 1000 < kill["at"]


def test_after_the_retry_the_lake_equals_a_clean_run(airflow_health, day_lake) -> None:
    lake = airflow_health.settings
    for layer, name in tables(lake.lake_root):
        check_every_version(lake, layer, name)
    kill = airflow_health.kill
    if kill["when"] == "mid" and not _committed_before(lake, kill):  # killed between the write's files and its commit
        assert orphan_files(lake, "silver", "health_outpatient_visits"), "no file of the killed write on disk"
    problems = diff(sector_content(day_lake.settings, "health"), sector_content(lake, "health"))
    assert not problems, "\n".join(problems)
