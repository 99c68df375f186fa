"""Every DAG file imports cleanly and lightly: no Spark, Delta or GX at parse time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import registry
from pipelines.core.plan import plan
from pipelines.orchestration.factory import DIRECTORY_TASK

ROOT = Path(__file__).resolve().parents[2]
DAG_FILES = sorted((ROOT / "dags").glob("*.py"))
HEAVY = ("pyspark", "delta", "great_expectations", "deltalake", "pandas")

PROBE = """
import json, sys, time
start = time.monotonic()
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(sys.argv[1])
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": {d: sorted(t.task_id for t in dag.tasks) for d, dag in bag.dags.items()},
                  "heavy": sorted(m for m in sys.modules if m.split(".")[0] in %r)}))
"""


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("airflow_home")
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,), str(ROOT / "dags")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_no_import_errors(parsed) -> None:
    assert parsed["errors"] == {}


def test_one_dag_per_sector_with_the_planned_tasks(parsed) -> None:
    assert set(parsed["dags"]) == set(registry.SECTORS)
    for name, sector in registry.SECTORS.items():
        steps = {s.task_id for s in plan(sector)}
        sensors = {f"wait__{f.table}" for f in sector.feeds}
        assert set(parsed["dags"][name]) == steps | sensors | {DIRECTORY_TASK}


def test_nothing_heavy_is_imported_at_parse_time(parsed) -> None:
    assert parsed["heavy"] == []


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_files_are_declarations(path: Path) -> None:
    code = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith(("#", '"""'))]
    assert len(path.read_text().splitlines()) <= 30, "a DAG file is a docstring and a factory call"
    assert any("_dag(" in line for line in code)
