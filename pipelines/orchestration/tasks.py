"""Callables Airflow tasks run. Spark, Delta and GX are imported here, at run time only."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def business_date(context: dict[str, Any]) -> str:
    """The delivery date a run processes: the start of its data interval (Asia/Shanghai date)."""
    start = context.get("data_interval_start") or context["logical_date"]
    return start.in_timezone("Asia/Shanghai").date().isoformat() if hasattr(start, "in_timezone") else str(start)[:10]


def delivery_ready(sector: str, feed: str, **context: Any) -> bool:
    """Sensor poke: True once the delivery's manifest exists (files without one are still being written)."""
    from pipelines.io.landing import delivery_uri, manifest_exists
    from pipelines.io.storage import storage_for
    from pipelines.settings import load_settings

    settings = load_settings()
    dt = business_date(context)
    ready = manifest_exists(storage_for(settings.landing_root, settings), settings.landing_root, sector, feed, dt)
    log.info("delivery %s: %s", delivery_uri(settings.landing_root, sector, feed, dt),
             "complete" if ready else "no _manifest.json yet, waiting")
    return ready


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
    from pipelines.settings import load_settings
    from pipelines.spark import get_session

    settings = load_settings()
    spec = registry.SECTORS[sector]
    step = next(s for s in plan(spec) if s.layer == layer and s.table == table)
    ti = context.get("ti")
    ctx = RunContext(
        run_id=str(context.get("run_id", "manual")), dt=business_date(context),
        dag_id=getattr(ti, "dag_id", ""), task_id=getattr(ti, "task_id", ""), try_number=int(getattr(ti, "try_number", 0) or 0),
    )
    spark = get_session(settings, f"{sector}.{step.task_id}")
    result = execute(spark, settings, spec, step, ctx)
    ops.record(spark, settings, ctx, [result])
    log.info("%s", result.log_line())
    for reason, count in sorted(result.reasons.items()):
        log.info("  quarantined for %s: %d", reason, count)
    if result.docs:
        log.info("Data Docs: file://%s", result.docs)
    return asdict(result)
