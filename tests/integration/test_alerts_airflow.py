"""Real `airflow dags test` runs of the tax DAG (Airflow on SQLite in a tmp AIRFLOW_HOME)
that fail on their data: a rejected delivery, and a delivery the bronze gate blocks. Each
failing task uses all three tries; the webhook (a real HTTP server on loopback) receives
exactly one alert per run, table and rule, and the gate's Data Docs page becomes the
task's "Data Docs" link."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import urllib.parse
from datetime import date
from pathlib import Path

import pytest

from pipelines.generate.api import generate

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = Path(sys.executable).parent / "airflow"
# The factory's tax DAG; only the retry delay is shortened (2 minutes in production) so the
# run goes through all three tries in seconds. ("airflow" must appear in a DAG file: DagBag's
# safe mode skips files without it.)
DAG_FILE = '''"""The tax Airflow DAG of the factory, retries one second apart."""

from datetime import timedelta

from pipelines.orchestration.factory import sector_dag

dag = sector_dag("tax", __doc__)
for task in dag.tasks:
    task.retry_delay = timedelta(seconds=1)
'''


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory) -> Path:
    """An Airflow home with a migrated SQLite database and the tax DAG file."""
    home = tmp_path_factory.mktemp("airflow")
    (home / "dags").mkdir()
    (home / "dags" / "tax.py").write_text(DAG_FILE)
    env = airflow_env(home, home / "unused", "")
    migrate = subprocess.run([str(AIRFLOW), "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    return home


def airflow_env(home: Path, data: Path, webhook_url: str) -> dict[str, str]:
    """The environment of an Airflow process: this checkout's package, roots under `data`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "LAKEHOUSE_"))}
    return {
        **env,
        # This checkout's package, whichever checkout the venv's editable install points at.
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "GX_ANALYTICS_ENABLED": "false",
        "LAKEHOUSE_LANDING_ROOT": str(data / "landing"),
        "LAKEHOUSE_LAKE_ROOT": str(data / "lake"),
        "LAKEHOUSE_DOCS_DIR": str(data / "docs"),
        "LAKEHOUSE_ALERTS_FILE": str(data / "alerts.jsonl"),
        "LAKEHOUSE_ALERT_WEBHOOK_URL": webhook_url,
        "LAKEHOUSE_SPARK_MASTER": "local[2]",
        "LAKEHOUSE_SPARK_SHUFFLE_PARTITIONS": "2",
        "LAKEHOUSE_SPARK_DRIVER_MEMORY": "1g",
        "LAKEHOUSE_PII_KEY": "test-only-pii-key",
    }


def dags_test(home: Path, data: Path, webhook_url: str, dt: str) -> tuple[str, dict[str, str], dict[str, object]]:
    """Run `airflow dags test tax <dt>`, expect the run to fail.

    Returns:
        The run id, `task_id -> "state:try_number"` and the run's XComs by (task_id, key).
    """
    run = subprocess.run(
        [str(AIRFLOW), "dags", "test", "tax", dt],
        env=airflow_env(home, data, webhook_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = run.stdout + run.stderr
    (data / "airflow-dags-test.log").write_text(log)
    assert run.returncode != 0 and "DagRun failed" in log, log[-3000:]
    with sqlite3.connect(home / "airflow.db") as db:
        runs = "select run_id from dag_run where dag_id = 'tax' and logical_date like ?"
        [run_id] = [r for (r,) in db.execute(runs, (f"{dt}%",))]
        query = "select task_id, state || ':' || try_number from task_instance where dag_id = 'tax' and run_id = ?"
        states = dict(db.execute(query, (run_id,)))
        xcoms = {
            (t, k): v for t, k, v in db.execute("select task_id, key, value from xcom where run_id = ?", (run_id,))
        }
    assert log.count("alert already sent for this run") == 2, "tries 2 and 3 should have found the alert's claim"
    return run_id, states, xcoms


def local_path(uri: str) -> Path:
    """The file of a file:// URI."""
    return Path(urllib.parse.unquote(urllib.parse.urlparse(uri).path))


def unparseable(delivery: Path) -> int:
    """Cut every data line of the delivery to three fields (a well-formed delivery of lines that
    do not parse), keeping the manifest true. Returns the number of data rows."""
    manifest = json.loads((delivery / "_manifest.json").read_text("utf-8"))
    rows = 0
    for entry in manifest["files"]:
        path = delivery / entry["name"]
        header, *lines = path.read_bytes().decode("gbk").splitlines()
        data = ("\n".join([header] + [",".join(line.split(",")[:3]) for line in lines]) + "\n").encode("gbk")
        path.write_bytes(data)
        entry.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
        rows += len(lines)
    (delivery / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return rows


def test_a_rejected_delivery_alerts_the_webhook_once_over_all_retries(airflow_home, tmp_path, webhook) -> None:
    dt = "2026-11-01"
    generate(
        tmp_path / "landing",
        date.fromisoformat(dt),
        scale=0.2,
        seed=7,
        sectors=["tax"],
        delivery_defects=("tax/returns:checksum_mismatch",),
    )
    run_id, states, _ = dags_test(airflow_home, tmp_path, webhook.url, dt)
    assert states["wait__tax_returns"] == "success:1"
    assert states["bronze__tax_returns"] == "failed:3", "the bronze task should have used its two retries"
    assert states["silver__tax_returns"].startswith("upstream_failed")

    [alert] = webhook.received
    assert (alert["kind"], alert["table"], alert["rule"]) == (
        "delivery_rejected",
        "bronze.tax_returns",
        "checksum_mismatch",
    )
    assert (alert["dag_id"], alert["task_id"], alert["run_id"], alert["try_number"]) == (
        "tax",
        "bronze__tax_returns",
        run_id,
        1,
    )
    assert alert["folder"] == str(tmp_path / "landing" / "tax" / "returns" / f"dt={dt}")
    assert "part-" in alert["message"] and "checksum_mismatch" in alert["text"]


@pytest.mark.slow  # about 2.5 minutes on 2 shared cores: bronze is ingested and gated three times
def test_a_blocking_gate_alerts_once_with_its_data_docs_page_and_links_it(airflow_home, tmp_path, webhook) -> None:
    dt = "2026-11-02"
    generate(tmp_path / "landing", date.fromisoformat(dt), scale=0.2, seed=7, sectors=["tax"], defect_rate=0)
    rows = unparseable(tmp_path / "landing" / "tax" / "returns" / f"dt={dt}")
    run_id, states, xcoms = dags_test(airflow_home, tmp_path, webhook.url, dt)
    assert states["bronze__tax_returns"] == "failed:3"
    assert not (tmp_path / "lake" / "bronze" / "tax_returns").exists(), "a blocked gate writes nothing"

    [alert] = webhook.received
    assert (alert["kind"], alert["table"], alert["rule"], alert["failing"]) == (
        "gate_failed",
        "bronze.tax_returns",
        "expect_column_values_to_be_null(_parse_error)",
        rows,
    )
    assert alert["run_id"] == run_id and alert["try_number"] == 1
    page = local_path(alert["docs"])
    assert page.is_file() and page.name == "bronze.tax_returns.html" and "_parse_error" in page.read_text("utf-8")
    assert alert["docs"] in alert["message"]
    # The worker computed the task's extra links when it ended (Airflow 3 keeps them as XComs):
    # the page of the last try's validation, in the same run's folder as the first try's.
    linked = local_path(json.loads(xcoms[("bronze__tax_returns", "_link_DataDocsLink")]))
    assert linked.is_file() and linked.name == page.name and linked.parents[1] == page.parents[1]
    directory = tmp_path / "docs" / "directory" / "tables" / "bronze.tax_returns.html"
    assert json.loads(xcoms[("bronze__tax_returns", "_link_DirectoryLink")]) == directory.as_uri()
