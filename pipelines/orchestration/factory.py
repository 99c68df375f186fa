"""The DAG factory: one Airflow DAG per sector, built from the sector's specs.

A DAG file is a docstring and `sector_dag("tax", __doc__)`. Tasks: one sensor per
feed (waits for the delivery's manifest), then one task per step of the plan
(bronze → silver → gold, each gated before it writes), and a last task that rebuilds
the data-sharing directory. Gold tasks publish Airflow
assets (`lake://gold/<table>`, silver tasks `lake://silver/<table>`) that cross-sector
DAGs are scheduled on. Every task alerts through `pipelines.alerts` (retry and failure
callbacks); step tasks link to their Data Docs page and directory entry (`links`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pendulum

from pipelines.orchestration.assets import asset_uri
from pipelines.timezone import LOCAL_TZ

if TYPE_CHECKING:
    from pipelines.core.spec import Sector

START = pendulum.datetime(2026, 11, 1, tz=LOCAL_TZ)
DIRECTORY_TASK = "publish_directory"
CONCURRENT_DATES = 3
"""Runs (dates) of one sector DAG at a time when its dates commute (`dates_commute`)."""


def dates_commute(sector: Sector) -> bool:
    """True when runs of several dates may write the sector's tables at once and end as if run one by one.

    Every write retries its Delta conflicts and a gold rebuild re-reads sources that moved
    (`Lake.stable`), so what is left to order is what a write decides from data outside its
    own commit: a register (`snapshot`) keeps the newest delivery by a check before its
    overwrite, a type-2 history is recomputed from a read of its stored versions, and an
    `as_of` snapshot or a `whole_sources` join reads a source as it is *now*, so a run of an
    earlier date would see a later date's rows. Only sectors with none of these commute:
    latest-version MERGE facts and gold rebuilt from touched partitions (tax).
    """
    from pipelines.core.spec import GoldMode, WriteMode

    return (
        bool(sector.silver)
        and all(s.write == WriteMode.MERGE_LATEST for s in sector.silver)
        and all(g.mode == GoldMode.TOUCHED and not g.whole_sources for g in sector.gold)
    )


def delivery_sensor(sector: str, feed: str, table: str, timeout: int) -> Any:
    """The task that waits for a feed's delivery (`<landing>/<sector>/<feed>/dt=<date>/_manifest.json`).

    Args:
        sector, feed: the feed.
        table: its bronze table (the task is `wait__<table>`).
        timeout: seconds to wait before failing with a message naming the folder.

    Returns:
        The sensor (reschedule mode: no worker slot is held while waiting).
    """
    from pipelines.core.contract import load_contract
    from pipelines.orchestration.sensor import DeliverySensor

    return DeliverySensor(
        task_id=f"wait__{table}",
        sector=sector,
        feed=feed,
        poke_interval=max(1, min(60, timeout // 10)),  # a short timeout gets several pokes
        timeout=timeout,
        mode="reschedule",
        doc_md=f"Waits for `<landing>/{sector}/{feed}/dt=<date>/_manifest.json`; "
        f"alerts when it is not there by {load_contract(sector, feed).due} Asia/Shanghai.",
    )


def task_defaults(retries: int, retry_delay: timedelta) -> dict[str, Any]:
    """Every task's Airflow defaults: its owner, its retries, and an alert on each retry and failure."""
    from pipelines import alerts

    return {
        "owner": "lakehouse",
        "retries": retries,
        "retry_delay": retry_delay,
        "on_retry_callback": alerts.on_task_retry,
        "on_failure_callback": alerts.on_task_failure,
    }


def sector_dag(name: str, doc_md: str | None = None, schedule: str = "0 2 * * *") -> Any:
    """Build the DAG of sector `name`.

    Args:
        name: a sector of `pipelines.registry.SECTORS`.
        doc_md: the DAG file's docstring (shown in the UI).
        schedule: cron in Asia/Shanghai; each run processes its data interval's date.

    Returns:
        The Airflow DAG.
    """
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG, Asset

    from pipelines import registry
    from pipelines.core.plan import plan
    from pipelines.orchestration import tasks
    from pipelines.orchestration.lineage import quiet_provider
    from pipelines.orchestration.links import StepOperator, step_doc_md
    from pipelines.settings import load_settings

    sector = registry.SECTORS[name]
    settings = load_settings()
    timeout = settings.delivery_timeout_s
    # A sector without feeds of its own (cross-sector gold) runs when its sources are updated.
    external = [Asset(asset_uri(ref.layer, ref.name)) for ref in sector.external_sources()]
    with DAG(
        dag_id=name,
        description=sector.description,
        doc_md=doc_md,
        schedule=external if external and not sector.feeds else schedule,
        start_date=START,
        catchup=False,
        max_active_runs=CONCURRENT_DATES if dates_commute(sector) else 1,
        tags=["sector", name],
        default_args=task_defaults(
            retries=settings.task_retries, retry_delay=timedelta(seconds=settings.task_retry_delay_s)
        ),
    ) as dag:
        created: dict[str, Any] = {}
        for step in plan(sector):
            outlets = [Asset(asset_uri(step.layer, step.table))] if step.layer in ("silver", "gold") else []
            created[step.task_id] = StepOperator(
                task_id=step.task_id,
                python_callable=tasks.run_step,
                op_kwargs={"sector": name, "layer": step.layer, "table": step.table},
                outlets=outlets,
                doc_md=step_doc_md(settings, step.layer, step.table),
            )
            if step.layer == "bronze":
                feed = next(s.feed for s in sector.silver if s.feed.table == step.table)
                wait = delivery_sensor(feed.sector, feed.feed, feed.table, timeout)
                wait >> created[step.task_id]
            for upstream in step.upstream:
                created[upstream] >> created[step.task_id]
        # A teardown runs once every step is done, failed ones too (a failed gate belongs in the
        # directory), and is not a leaf for the run's state: a failed step still fails the run.
        directory = PythonOperator(
            task_id=DIRECTORY_TASK,
            python_callable=tasks.publish_directory,
            doc_md="Rebuilds the data-sharing directory (数据资源目录) under `<docs_dir>/directory/`.",
        ).as_teardown()
        list(created.values()) >> directory
    return quiet_provider(dag)  # the steps emit their own OpenLineage events (pipelines.lineage)
