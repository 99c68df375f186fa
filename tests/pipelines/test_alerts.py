"""Alerts: Airflow's callbacks and the delivery sensor, with the context Airflow passes, sent
to a real HTTP server on loopback (or the JSON Lines file), once per run, table and rule."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pendulum
import pytest

from pipelines import alerts
from pipelines.io.landing import DeliveryIncomplete, DeliveryRejected
from pipelines.orchestration import tasks
from pipelines.quality.gate import GateFailed, GateResult, Outcome

RUN_ID = "scheduled__2026-11-01T02:00:00+08:00"
DT = "2026-11-01"


@pytest.fixture(scope="module")
def tax_dag():
    from pipelines.orchestration.factory import sector_dag

    return sector_dag("tax")


@pytest.fixture
def env(monkeypatch, tmp_path: Path, webhook) -> Path:
    """Settings of the callbacks (they read the environment, as in a worker): webhook on, roots in tmp."""
    for name, value in {
        "ALERT_WEBHOOK_URL": webhook.url,
        "ALERTS_FILE": str(tmp_path / "alerts.jsonl"),
        "LANDING_ROOT": str(tmp_path / "landing"),
        "DOCS_DIR": str(tmp_path / "docs"),
    }.items():
        monkeypatch.setenv(f"LAKEHOUSE_{name}", value)
    return tmp_path


def context(dag, task_id: str, error: BaseException | None, try_number: int = 1, run_id: str = RUN_ID) -> dict:
    """What Airflow 3's task runner hands a callback: the runtime task instance, task, run and exception."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    task = dag.get_task(task_id)
    ti = RuntimeTaskInstance.model_construct(
        id=uuid.uuid4(),
        task_id=task_id,
        dag_id=dag.dag_id,
        run_id=run_id,
        try_number=try_number,
        map_index=-1,
        task=task,
        max_tries=task.retries,
        start_date=pendulum.now("UTC"),
    )
    start = pendulum.datetime(2026, 11, 1, 2, 0, tz="Asia/Shanghai")
    return {
        "ti": ti,
        "task_instance": ti,
        "task": task,
        "dag": dag,
        "run_id": run_id,
        "logical_date": start,
        "data_interval_start": start,
        "data_interval_end": start,
        "exception": error,
    }


def gate_failure(docs: str) -> GateFailed:
    return GateFailed(
        GateResult(
            "silver.tax_returns",
            "silver.tax_returns",
            (
                Outcome("expect_column_values_to_be_between", "tax_paid_cny", "block", False, 7, ("-1.00", "-3.00")),
                Outcome("expect_column_values_to_be_in_set", "tax_type_code", "warn", False, 2),
                Outcome("expect_column_values_to_not_be_null", "declaration_id", "block", True, 0),
            ),
            docs,
        )
    )


def test_a_failed_gate_alerts_once_per_run_with_table_rule_count_and_page(tax_dag, env, webhook) -> None:
    page = env / "docs" / "gx" / "uncommitted" / "data_docs" / "local_site" / "validations" / "p.html"
    err = gate_failure(str(page))
    alerts.on_task_retry(context(tax_dag, "silver__tax_returns", err, try_number=1))
    alerts.on_task_retry(context(tax_dag, "silver__tax_returns", err, try_number=2))
    alerts.on_task_failure(context(tax_dag, "silver__tax_returns", err, try_number=3))
    assert len(webhook.received) == 1, webhook.received
    assert webhook.content_types == {"application/json; charset=utf-8"}
    alert = webhook.received[0]
    assert alert["kind"] == "gate_failed"
    assert (alert["table"], alert["rule"], alert["failing"]) == (
        "silver.tax_returns",
        "expect_column_values_to_be_between(tax_paid_cny)",
        7,
    )
    assert alert["docs"] == page.as_uri() and page.as_uri() in alert["text"]
    assert (alert["dag_id"], alert["run_id"], alert["task_id"], alert["try_number"]) == (
        "tax",
        RUN_ID,
        "silver__tax_returns",
        1,
    )
    assert "-1.00" not in json.dumps(alert), "alerts carry counts, never sample values"

    alerts.on_task_retry(context(tax_dag, "silver__tax_returns", err, run_id="manual__2026-11-01T09:00:00+08:00"))
    assert len(webhook.received) == 2, "another run alerts again"


def test_data_docs_links_use_the_served_url_when_one_is_set(tax_dag, env, webhook, monkeypatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_DOCS_BASE_URL", "http://docs.lakehouse.internal/")
    page = env / "docs" / "gx" / "uncommitted" / "data_docs" / "local_site" / "validations" / "p.html"
    alerts.on_task_retry(context(tax_dag, "silver__tax_returns", gate_failure(str(page))))
    expected = "http://docs.lakehouse.internal/gx/uncommitted/data_docs/local_site/validations/p.html"
    assert [a["docs"] for a in webhook.received] == [expected]


def test_a_rejected_delivery_alerts_with_the_folder_file_and_rule(tax_dag, env, webhook) -> None:
    folder = str(env / "landing" / "tax" / "returns" / f"dt={DT}")
    err = DeliveryRejected(folder, "part-00001.csv", "checksum_mismatch", "sha256 abc… != manifest def…")
    alerts.on_task_retry(context(tax_dag, "bronze__tax_returns", err))
    alerts.on_task_failure(context(tax_dag, "bronze__tax_returns", err, try_number=3))
    [alert] = webhook.received
    assert (alert["kind"], alert["table"], alert["rule"], alert["folder"]) == (
        "delivery_rejected",
        "bronze.tax_returns",
        "checksum_mismatch",
        folder,
    )
    assert "part-00001.csv" in alert["message"] and folder in alert["message"]


def test_an_incomplete_delivery_alerts(tax_dag, env, webhook) -> None:
    err = DeliveryIncomplete(f"delivery tax/returns/dt={DT} has no _manifest.json")
    alerts.on_task_retry(context(tax_dag, "bronze__tax_returns", err))
    assert [(a["kind"], a["rule"]) for a in webhook.received] == [("delivery_incomplete", "missing_manifest")]


def test_other_failures_alert_only_when_the_retries_are_used_up(tax_dag, env, webhook) -> None:
    err = RuntimeError("Py4JNetworkError: lost the executor\nstack…")
    alerts.on_task_retry(context(tax_dag, "gold__tax_revenue_monthly", err))
    assert webhook.received == []
    alerts.on_task_failure(context(tax_dag, "gold__tax_revenue_monthly", err, try_number=3))
    [alert] = webhook.received
    assert (alert["kind"], alert["table"], alert["rule"]) == ("task_failed", "gold.tax_revenue_monthly", "RuntimeError")
    assert alert["message"].endswith("RuntimeError: Py4JNetworkError: lost the executor")


def test_a_late_delivery_alerts_on_the_first_poke_after_its_due_time_only(tax_dag, env, webhook) -> None:
    ctx = context(tax_dag, "wait__tax_returns", None)
    ctx.pop("exception")
    assert tasks.delivery_ready("tax", "returns", **ctx) is False
    assert tasks.delivery_ready("tax", "returns", **ctx) is False  # a later poke of the same run
    [alert] = webhook.received
    assert (alert["kind"], alert["table"]) == ("late_delivery", "bronze.tax_returns")
    assert alert["folder"] == str(env / "landing" / "tax" / "returns" / f"dt={DT}")
    due = datetime(2026, 11, 1, 6, 0, tzinfo=pendulum.timezone("Asia/Shanghai"))
    assert alert["late_s"] >= (datetime.now(UTC) - due).total_seconds() - 60
    assert "due 2026-11-01 06:00 Asia/Shanghai" in alert["message"] and "late" in alert["message"]


def test_no_alert_before_the_due_time(tax_dag, env, webhook) -> None:
    today = pendulum.now("Asia/Shanghai").start_of("day") + timedelta(days=1)
    ctx = context(tax_dag, "wait__tax_returns", None)
    ctx.update(data_interval_start=today, logical_date=today)
    assert tasks.delivery_ready("tax", "returns", **ctx) is False
    assert webhook.received == []


def test_the_sensor_timeout_alerts_with_the_folder_and_how_late(tax_dag, env, webhook) -> None:
    from airflow.sdk.exceptions import AirflowSensorTimeout

    alerts.on_task_failure(context(tax_dag, "wait__tax_returns", AirflowSensorTimeout("Sensor has timed out")))
    [alert] = webhook.received
    assert alert["kind"] == "delivery_timeout" and alert["late_s"] > 0
    assert alert["folder"].endswith(f"tax/returns/dt={DT}") and "timeout" in alert["message"]


def test_an_alert_the_webhook_refused_is_sent_by_the_next_try(tax_dag, env, webhook) -> None:
    webhook.fail_next = 1
    err = gate_failure("")
    alerts.on_task_retry(context(tax_dag, "silver__tax_returns", err, try_number=1))  # HTTP 500: not raised
    assert webhook.received == []
    alerts.on_task_retry(context(tax_dag, "silver__tax_returns", err, try_number=2))
    assert [a["try_number"] for a in webhook.received] == [2]


def test_without_a_webhook_alerts_go_to_the_json_lines_file(tax_dag, env, webhook, monkeypatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_ALERT_WEBHOOK_URL")
    err = gate_failure("")
    alerts.on_task_retry(context(tax_dag, "silver__tax_returns", err))
    alerts.on_task_failure(context(tax_dag, "silver__tax_returns", err, try_number=3))
    lines = (env / "alerts.jsonl").read_text("utf-8").splitlines()
    assert webhook.received == [] and len(lines) == 1
    assert json.loads(lines[0])["rule"] == "expect_column_values_to_be_between(tax_paid_cny)"
