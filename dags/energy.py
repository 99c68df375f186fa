"""
### Energy sector (国网江苏省电力) — Airflow DAG

Daily: waits for the `energy/meters` (register snapshot, CSV) and `energy/readings`
(15-minute readings, Parquet) deliveries of the run's date and lands them in bronze
(manifest-checked). Silver: `silver.energy_meters` becomes the day's register;
`silver.energy_readings` MERGEs the readings by (meter_id, reading_ts), a resend
replacing the earlier value, pruned to the local days the delivery touches.
Gold: `gold.energy_consumption_daily` and `gold.energy_load_curve` are rebuilt for
every day the delivery touched, so late readings correct earlier days.
Each step passes its Great Expectations gate before it writes.
"""

from pipelines.orchestration.factory import sector_dag

dag = sector_dag("energy", __doc__)
