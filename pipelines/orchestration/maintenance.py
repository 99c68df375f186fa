"""The maintenance DAG: weekly OPTIMIZE, VACUUM, log clean-up and landing retention (`pipelines.maintenance`).

One task per layer, in order (bronze, quarantine, silver, gold, ops, then the landing folders,
which are checked against bronze); each records its actions in `ops.maintenance` under the
DAG run's id and logs them as a table. A task fails when any of its actions failed, after
the layer's other tables were maintained.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from pipelines.orchestration.factory import START, task_defaults

log = logging.getLogger(__name__)
LAYERS = ("bronze", "quarantine", "silver", "gold", "ops", "landing")


def maintenance_dag(doc_md: str | None = None, schedule: str = "0 4 * * 0") -> Any:
    """Build the maintenance DAG.

    Args:
        doc_md: the DAG file's docstring (shown in the UI).
        schedule: cron in Asia/Shanghai (default Sundays 04:00, after the daily runs at 02:00).

    Returns:
        The Airflow DAG.
    """
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG

    from pipelines.orchestration.lineage import quiet_provider

    with DAG(
        dag_id="maintenance",
        description="Weekly OPTIMIZE, VACUUM, log clean-up and landing retention of every lake table.",
        doc_md=doc_md,
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        tags=["maintenance"],
        default_args=task_defaults(retries=1, retry_delay=timedelta(minutes=5)),
    ) as dag:
        previous = None
        for layer in LAYERS:
            task = PythonOperator(
                task_id=f"maintain__{layer}",
                python_callable=maintain_layer,
                op_kwargs={"layer": layer, "table": "*"},
                doc_md=f"Maintenance of the {layer} layer under the retention policy; actions in `ops.maintenance`.",
            )
            if previous is not None:
                previous >> task
            previous = task
    return quiet_provider(dag)


def maintain_layer(layer: str, table: str = "*", **context: Any) -> list[dict[str, Any]]:
    """Maintain one layer's tables (or the landing folders) under the default policy; log the actions.

    `table` is "*" (every table of the layer): it names the task's tables in alerts (`layer.table`).

    Raises:
        RuntimeError: when an action failed (the others still ran and are recorded).
    """
    from dataclasses import asdict
    from datetime import date

    from pipelines import maintenance, registry
    from pipelines.orchestration.context import business_date
    from pipelines.settings import load_settings
    from pipelines.spark import open_lake

    lake = open_lake(load_settings(), f"maintenance.{layer}")
    actions = maintenance.run(
        lake,
        registry.sectors(),
        maintenance.Policy(),
        run_id=str(context.get("run_id", "manual")),
        layers=[layer],
        as_of=date.fromisoformat(business_date(context)),
        on_action=lambda a: log.info("%s %s: %s", a.table, a.action, a.message),
    )
    log.info("maintenance of %s:\n%s", layer, maintenance.render(actions))
    failed = [a for a in actions if a.failed]
    if failed:
        raise RuntimeError(
            f"{len(failed)} maintenance actions failed: "
            + "; ".join(f"{a.table} {a.action}: {a.message}" for a in failed)
        )
    return [asdict(a) for a in actions]
