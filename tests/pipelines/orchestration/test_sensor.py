"""Incomplete and late deliveries under Airflow (`airflow dags test`, real scheduler loop):
the sensor waits, fails on timeout with a message naming the delivery folder, and lets the
run proceed once the manifest appears."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.core.contract import load_contract
from tests.pipelines.io.kit import land

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DT = "2026-11-02"
HEADER = "申报序号,纳税人识别号,所属期,税种代码,计税依据,应纳税额,已缴税额,申报日期,行政区划代码,行业代码,版本号"
ROW = "D1,91320102MA1X2Y3K4F,202610,10101,1.00,1.00,1.00,2026-11-01,320102,C13,1"
PROBE = '''"""Probe DAG: the tax returns delivery sensor of the factory, then a marker task."""
import os
from pathlib import Path

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

from pipelines.orchestration.factory import delivery_sensor


def after() -> None:
    Path(os.environ["PROBE_MARKER"]).write_text("ran")


with DAG("landing_probe", schedule=None, start_date=pendulum.datetime(2026, 11, 1, tz="Asia/Shanghai"), catchup=False):
    timeout = int(os.environ["LAKEHOUSE_DELIVERY_TIMEOUT_S"])
    delivery_sensor("tax", "returns", "tax_returns", timeout) >> PythonOperator(task_id="after", python_callable=after)
'''


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory) -> Path:
    """An Airflow home of its own, with a migrated SQLite database and a DAG folder."""
    home = tmp_path_factory.mktemp("airflow")
    (home / "dags").mkdir()
    (home / "dags" / "landing_probe.py").write_text(PROBE)
    subprocess.run(
        [AIRFLOW, "db", "migrate"], env=_env(home, ROOT / "dags", home, 5), check=True, capture_output=True, timeout=300
    )
    return home


def _env(home: Path, dags: Path, work: Path, timeout_s: int) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this tree's package, whatever the venv has installed
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "LAKEHOUSE_LANDING_ROOT": str(work / "landing"),
        "LAKEHOUSE_LAKE_ROOT": str(work / "lake"),
        "LAKEHOUSE_DELIVERY_TIMEOUT_S": str(timeout_s),
        "PROBE_MARKER": str(work / "marker"),
        "GX_ANALYTICS_ENABLED": "false",
    }


def test_a_delivery_that_never_completes_fails_the_run_naming_its_folder(airflow_home, tmp_path) -> None:
    settings_dir = tmp_path
    folder = settings_dir / "landing" / "tax" / "returns" / f"dt={DT}"
    folder.mkdir(parents=True)
    (folder / "part-00000.csv").write_bytes((HEADER + "\n" + ROW + "\n").encode("gbk"))  # no manifest: incomplete
    run = subprocess.run(
        [AIRFLOW, "dags", "test", "tax", DT],
        env=_env(airflow_home, ROOT / "dags", settings_dir, 3),
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = run.stdout + run.stderr
    assert run.returncode != 0 and "state=failed" in log
    assert f"AirflowSensorTimeout: delivery {folder} incomplete: no _manifest.json after 3 s" in log
    assert "1 files present: ['part-00000.csv']" in log
    assert "run_step" not in log.split("AirflowSensorTimeout: delivery", 1)[1]  # bronze never ran


def test_the_run_proceeds_when_the_manifest_appears(airflow_home, tmp_path) -> None:
    log_path = tmp_path / "dags-test.log"
    with open(log_path, "w") as out:
        run = subprocess.Popen(
            [AIRFLOW, "dags", "test", "landing_probe", DT],
            env=_env(airflow_home, airflow_home / "dags", tmp_path, 120),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while "no _manifest.json yet, waiting" not in log_path.read_text() and time.monotonic() < deadline:
                assert run.poll() is None, log_path.read_text()[-3000:]
                time.sleep(1)
            assert not (tmp_path / "marker").exists()  # still waiting: the delivery is incomplete
            settings = type("S", (), {"landing_root": str(tmp_path / "landing")})()
            land(
                settings,
                load_contract("tax", "returns"),
                {"part-00000.csv": (HEADER + "\n" + ROW + "\n").encode("gbk")},
                {"part-00000.csv": 1},
                day=DT,
            )
            assert run.wait(timeout=180) == 0, log_path.read_text()[-3000:]
        finally:
            if run.poll() is None:
                run.kill()
    log = log_path.read_text()
    assert f"delivery {tmp_path / 'landing' / 'tax' / 'returns' / f'dt={DT}'}: complete" in log
    assert (tmp_path / "marker").read_text() == "ran"
