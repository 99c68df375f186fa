"""
### Maintenance — Airflow DAG

Weekly (Sundays 04:00): for every lake table, compacts small files (OPTIMIZE, Z-ordered
where a spec declares `cluster_by`), declares its retention and VACUUMs under it (bronze and
quarantine keep raw data for their feed's retention, silver and gold the time travel their
catalog entry promises, never less than a day), sets the log retention and checkpoint
interval and checkpoints, then deletes landing folders past their retention whose delivery
is in bronze. Every action is in `ops.maintenance`; `lakehouse maintain --dry-run` shows
what a run would do.
"""

from pipelines.orchestration.maintenance import maintenance_dag

dag = maintenance_dag(__doc__)
