"""
### Health sector (省卫生健康委) — Airflow DAG

Daily: waits for the `health/hospitals` (register snapshot, CSV) and
`health/outpatient_visits` (JSON Lines) deliveries of the run's date, lands them in
bronze (manifest-checked), promotes valid rows to silver (`silver.health_hospitals`
replaced whole; `silver.health_outpatient_visits` de-identified: identity number, name
and phone tokenized, birth date reduced to birth year and age band; rejects in
quarantine) and rebuilds the touched ISO weeks of `gold.health_syndromic_weekly`
(cross-city baseline, outbreak alerts) and, once a week is complete, the open
`gold.open_health_weekly` and `gold.open_health_weekly_province` (counts under 5 suppressed
with complementary suppression across cities and groups, ADR 0009). Each step passes its
Great Expectations gate before it writes.
"""

from pipelines.orchestration.factory import sector_dag

dag = sector_dag("health", __doc__)
