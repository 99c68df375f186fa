"""Alerts for the operator: late or rejected deliveries, failed gates, failed tasks.

An alert is one flat JSON object (`Alert.payload`). It goes to the webhook of setting
`alert_webhook_url` (JSON POST) or, when none is set, is appended to `alerts_file` (JSON
Lines). Each alert is sent once per DAG run, table and rule: a claim file in the folder
beside `alerts_file` (`<stem>-sent/`) is created atomically before sending, so a task's
retries, a sensor's later pokes and concurrent tasks do not repeat it. Airflow calls
`on_task_retry` / `on_task_failure` (every lakehouse task's callbacks); the delivery
sensor calls `late_delivery` on each poke after the feed's `due` time.

Stdlib only: this module is imported when Airflow parses the DAG files. Alerts carry
counts, never sample values (bronze samples may hold personal data), and the webhook
URL (often a token) is never logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.settings import Settings, load_settings

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_S = 10


@dataclass(frozen=True)
class Alert:
    """One thing the operator must look at.

    Attributes:
        kind: `late_delivery`, `delivery_timeout`, `delivery_rejected`, `delivery_incomplete`,
            `gate_failed` or `task_failed`.
        table: `<layer>.<table>` concerned.
        rule: what failed: an expectation `expect_…(column)`, a rejection rule, `due 06:00`.
        message: one readable line (also the `text` of the webhook payload).
        dag_id / run_id / task_id / try_number: the Airflow task.
        folder: the delivery folder (delivery alerts).
        failing: rows failing the rule (gate alerts).
        docs: link to the Data Docs page (gate alerts).
        late_s: seconds past the due time (delivery alerts).
        at: when the alert was raised (UTC, ISO-8601).
    """

    kind: str
    table: str
    rule: str
    message: str
    dag_id: str = ""
    run_id: str = ""
    task_id: str = ""
    try_number: int = 0
    folder: str = ""
    failing: int | None = None
    docs: str = ""
    late_s: int | None = None
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def key(self) -> str:
        """Identifies the alert within a run: the same key is sent once."""
        return hashlib.sha256("\x1f".join((self.dag_id, self.run_id, self.table, self.rule)).encode()).hexdigest()[:32]

    def payload(self) -> dict[str, Any]:
        """The JSON object sent: every field, plus `text` for chat webhooks."""
        return {"text": f"[lakehouse] {self.message}", **asdict(self)}


def send(alerts: list[Alert], settings: Settings) -> list[Alert]:
    """Send each alert not sent before for its run, table and rule.

    A failed delivery is logged (without the webhook URL) and un-claimed, so a later retry
    or poke can send it; it never raises into the task.

    Returns:
        The alerts actually sent.
    """
    sent = []
    for alert in alerts:
        claim = _claims_dir(settings) / alert.key
        if not _claim(claim):
            log.info("alert already sent for this run: %s", alert.message)
            continue
        try:
            _deliver(alert, settings)
        except Exception as err:  # a notifier outage must not fail the pipeline
            claim.unlink(missing_ok=True)
            log.error("could not send alert (%s: %s): %s", type(err).__name__, err, alert.message)
            continue
        log.warning("ALERT %s", alert.message)
        sent.append(alert)
    return sent


def _claims_dir(settings: Settings) -> Path:
    path = Path(settings.alerts_file)
    return path.with_name(f"{path.stem}-sent")


def _claim(path: Path) -> bool:
    """Create `path` if it does not exist yet (atomically); True when this caller created it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        return False
    return True


def _deliver(alert: Alert, settings: Settings) -> None:
    body = json.dumps(alert.payload(), ensure_ascii=False)
    if settings.alert_webhook_url:
        request = urllib.request.Request(
            settings.alert_webhook_url,
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "lakehouse-alerts"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:  # noqa: S310 - configured URL
            response.read()
        return
    target = Path(settings.alerts_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as sink:
        sink.write(body + "\n")


def _late(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def late_delivery(
    settings: Settings, sector: str, feed: str, dt: str, task: dict[str, Any], timed_out: bool = False
) -> list[Alert]:
    """Alert that the delivery of `<sector>/<feed>` for `dt` is past its due time (nothing when not).

    Args:
        settings: for the landing root and the notifier.
        sector / feed: the feed (its contract names the due time).
        dt: the business date.
        task: `task_fields(context)` of the sensor.
        timed_out: the sensor gave up (its timeout): a separate alert from the first late poke.

    Returns:
        The alerts sent.
    """
    from pipelines.core.contract import load_contract
    from pipelines.io.storage import join
    from pipelines.timezone import LOCAL_TZ

    contract = load_contract(sector, feed)
    due = contract.due_at(dt)
    late_s = (datetime.now(UTC) - due).total_seconds()
    if late_s <= 0 and not timed_out:
        return []
    folder = join(settings.landing_root, sector, feed, f"dt={dt}")
    state = "still missing after the sensor's timeout" if timed_out else "late"
    message = f"delivery {folder} {state}: no _manifest.json; due {due:%Y-%m-%d %H:%M} {LOCAL_TZ}" + (
        f", {_late(late_s)} late" if late_s > 0 else ""
    )
    alert = Alert(
        kind="delivery_timeout" if timed_out else "late_delivery",
        table=f"bronze.{contract.name}",
        rule=("delivery_timeout" if timed_out else "late_delivery") + f" (due {contract.due})",
        message=message,
        folder=folder,
        late_s=max(int(late_s), 0),
        **task,
    )
    return send([alert], settings)


def from_exception(err: BaseException, table: str, settings: Settings, task: dict[str, Any]) -> list[Alert]:
    """The alerts a step's exception calls for: one per failed blocking rule, or one per rejection.

    Args:
        err: what the task raised.
        table: the step's `<layer>.<table>`.
        settings: for Data Docs links.
        task: `task_fields(context)`.

    Returns:
        The alerts (empty for exceptions that are not about the data: see `on_task_failure`).
    """
    from pipelines.io.landing import DeliveryIncomplete, DeliveryRejected
    from pipelines.quality.docs import docs_url, site_dir
    from pipelines.quality.gate import GateFailed

    if isinstance(err, GateFailed):
        result = err.result
        page = docs_url(settings, result.docs or site_dir(settings.docs_dir) / "index.html")
        return [
            Alert(
                kind="gate_failed",
                table=result.table,
                rule=f"{o.expectation}({o.column or '-'})",
                message=f"gate failed: {result.table}: {o.expectation}({o.column or '-'}) {o.failing} failing; Data Docs: {page}",
                failing=o.failing,
                docs=page,
                **task,
            )
            for o in result.outcomes
            if not o.success and o.policy == "block"
        ]
    if isinstance(err, DeliveryRejected):
        return [
            Alert(
                kind="delivery_rejected",
                table=table,
                rule=err.rule,
                message=f"{err} (nothing of it was ingested into {table})",
                folder=err.delivery,
                **task,
            )
        ]
    if isinstance(err, DeliveryIncomplete):
        return [Alert(kind="delivery_incomplete", table=table, rule="missing_manifest", message=str(err), **task)]
    return []


def task_fields(context: dict[str, Any]) -> dict[str, Any]:
    """The Airflow task of a callback or task context, as `Alert` fields."""
    ti = context.get("ti")
    return {
        "dag_id": str(getattr(ti, "dag_id", "") or context.get("dag_id", "")),
        "run_id": str(context.get("run_id") or getattr(ti, "run_id", "")),
        "task_id": str(getattr(ti, "task_id", "")),
        "try_number": int(getattr(ti, "try_number", 0) or 0),
    }


def _step_table(kwargs: dict[str, Any]) -> str:
    """The table of a task from its callable's kwargs: a step's own, or a sensor's bronze table."""
    if "feed" in kwargs:
        return f"bronze.{kwargs['sector']}_{kwargs['feed']}"
    return f"{kwargs.get('layer', '')}.{kwargs.get('table', '')}"


def _step_alerts(context: dict[str, Any], final: bool) -> list[Alert]:
    from airflow.sdk.exceptions import AirflowSensorTimeout

    settings = load_settings()
    task = context.get("task") or getattr(context.get("ti"), "task", None)
    kwargs = dict(getattr(task, "op_kwargs", None) or {})
    err = context.get("exception")
    fields = task_fields(context)
    if isinstance(err, AirflowSensorTimeout) and "feed" in kwargs:
        from pipelines.orchestration.context import business_date

        return late_delivery(settings, kwargs["sector"], kwargs["feed"], business_date(context), fields, True)
    table = _step_table(kwargs)
    alerts = from_exception(err, table, settings, fields) if isinstance(err, BaseException) else []
    if not alerts and final:  # anything else, once the retries are used up
        lines = str(err).strip().splitlines()
        alerts = [
            Alert(
                kind="task_failed",
                table=table,
                rule=type(err).__name__,
                message=f"task {fields['dag_id']}.{fields['task_id']} failed: {type(err).__name__}: "
                + (lines[0][:300] if lines else ""),
                **fields,
            )
        ]
    return send(alerts, settings)


def on_task_retry(context: dict[str, Any]) -> None:
    """`on_retry_callback`: data failures (gate, rejected delivery) alert at once; a retry will not fix them."""
    _step_alerts(context, final=False)


def on_task_failure(context: dict[str, Any]) -> None:
    """`on_failure_callback`: data failures, sensor timeouts and any other failure after the last retry."""
    _step_alerts(context, final=True)
