"""Callables Airflow tasks run. Spark, Delta and GX are imported here, at run time only."""

from __future__ import annotations

import logging
from typing import Any

from pipelines.orchestration.context import business_date

log = logging.getLogger(__name__)


def delivery_ready(sector: str, feed: str, **context: Any) -> bool:
    """Sensor poke: True once the delivery's manifest exists (files without one are still being written).

    A poke after the feed's `due` time without the manifest alerts (once per run).
    """
    from pipelines import alerts
    from pipelines.io.landing import delivery_uri, manifest_exists
    from pipelines.io.storage import storage_for
    from pipelines.settings import load_settings

    settings = load_settings()
    dt = business_date(context)
    ready = manifest_exists(storage_for(settings.landing_root, settings), settings.landing_root, sector, feed, dt)
    log.info(
        "delivery %s: %s",
        delivery_uri(settings.landing_root, sector, feed, dt),
        "complete" if ready else "no _manifest.json yet, waiting",
    )
    if not ready:
        alerts.late_delivery(settings, sector, feed, dt, alerts.task_fields(context))
    return ready


def timeout_message(sector: str, feed: str, timeout: float, context: dict[str, Any]) -> str:
    """Why a delivery sensor failed: the folder, how long it waited, what the folder holds."""
    from pipelines.io.landing import MANIFEST, delivery_uri
    from pipelines.io.storage import storage_for
    from pipelines.settings import load_settings

    settings = load_settings()
    uri = delivery_uri(settings.landing_root, sector, feed, business_date(context))
    present = sorted(p.rsplit("/", 1)[-1] for p in storage_for(uri, settings).list_files(uri))
    held = f"{len(present)} files present: {present[:5]}{' ...' if len(present) > 5 else ''}" if present else "empty"
    return (
        f"delivery {uri} incomplete: no {MANIFEST} after {timeout:.0f} s ({held}); "
        "nothing was ingested: the run can be cleared once the delivery is complete"
    )


def run_step(sector: str, layer: str, table: str, **context: Any) -> dict[str, Any]:
    """Run one step of a sector's plan for the run's business date; log and record its counts.

    Returns:
        The step's counts (pushed to XCom).

    Raises:
        Whatever the step raises (rejected delivery, failed gate, reconciliation error):
        the task fails with that message.
    """
    from dataclasses import asdict

    from pipelines import ops, registry
    from pipelines.core.plan import plan
    from pipelines.core.runner import execute
    from pipelines.core.steps import RunContext
    from pipelines.pii_key import check_pii_key
    from pipelines.quality.docs import docs_url
    from pipelines.quality.gate import GateFailed
    from pipelines.settings import load_settings
    from pipelines.spark import open_lake

    settings = load_settings()
    spec = registry.SECTORS[sector]
    step = next(s for s in plan(spec) if s.layer == layer and s.table == table)
    ti = context.get("ti")
    ctx = RunContext(
        run_id=str(context.get("run_id", "manual")),
        dt=business_date(context),
        dag_id=getattr(ti, "dag_id", ""),
        task_id=getattr(ti, "task_id", ""),
        try_number=int(getattr(ti, "try_number", 0) or 0),
    )
    lake = open_lake(settings, f"{sector}.{step.task_id}")
    check_pii_key(lake, ctx.run_id)  # a missing or foreign key fails the task before it writes
    try:
        result = execute(lake, spec, step, ctx)
    except GateFailed as err:
        _push_docs(ti, err.result.docs)
        raise
    _push_docs(ti, result.docs)
    ops.record(lake, ctx, [result])
    _stamp_outlet(context, layer, table, ctx.dt)
    log.info("%s", result.log_line())
    for reason, count in sorted(result.reasons.items()):
        log.info("  quarantined for %s: %d", reason, count)
    if result.docs:
        log.info("Data Docs: %s", docs_url(settings, result.docs))
    return asdict(result)


def _push_docs(ti: Any, page: str) -> None:
    """Keep the step's Data Docs page for its UI link (`pipelines.orchestration.links`)."""
    if ti is not None and page:
        from pipelines.orchestration.links import DOCS_XCOM

        ti.xcom_push(key=DOCS_XCOM, value=page)


def publish_directory(**context: Any) -> str:
    """Rebuild the data-sharing directory from the specs and `ops.run_metrics` (no Spark)."""
    from pipelines.analyst.directory import build_directory
    from pipelines.settings import load_settings

    index = build_directory(load_settings())
    log.info("data-sharing directory: file://%s", index)
    return str(index)


def _stamp_outlet(context: dict[str, Any], layer: str, table: str, dt: str) -> None:
    """Put the processed date on the step's asset event, for the runs it triggers (`business_date`)."""
    outlets = context.get("outlet_events")
    if outlets is None or layer not in ("silver", "gold"):
        return
    from airflow.sdk import Asset

    from pipelines.orchestration.assets import asset_uri

    outlets[Asset(asset_uri(layer, table))].extra["dt"] = dt
