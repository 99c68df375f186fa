"""
### Enterprise 360 (cross-sector) — Airflow DAG

No deliveries of its own: scheduled on the Airflow assets of its sources
(`silver.energy_readings`, `silver.energy_meters`, `silver.tax_returns`,
`gold.credit_enterprise_profile`) and run once all of them were updated. Rebuilds the
touched days of `gold.enterprise_energy_daily` (electricity per USCC and day) and the
date's snapshot of `gold.enterprise_360` (credit grade, tax paid and electricity over
12 months, tax per MWh, risk flags). Each step passes its Great Expectations gate before
it writes.
"""

from pipelines.orchestration.factory import sector_dag

dag = sector_dag("enterprise", __doc__)
