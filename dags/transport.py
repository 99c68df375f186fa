"""
### Transport sector (省交通运输厅) — Airflow DAG

Daily: waits for the `transport/gantries` (register, CSV), `transport/etc_passages`
(pipe-delimited) and `transport/hub_flow` (JSON Lines) deliveries of the run's date
and lands them in bronze (manifest-checked). Silver: the gantry register is replaced
by the day's snapshot; passages (plates tokenized, province and plate type kept) and
hub windows are MERGEd by key into local-day partitions.
Gold: `gold.transport_gantry_hourly` and `gold.transport_hub_flow_hourly` (with the
peak-hour flag) are rebuilt for the days the deliveries touched.
Each step passes its Great Expectations gate before it writes.
"""

from pipelines.orchestration.factory import sector_dag

dag = sector_dag("transport", __doc__)
