"""
### Tax sector (省税务局) — Airflow DAG

Daily: waits for the `tax/returns` delivery of the run's date, lands it in
`bronze.tax_returns` (manifest-checked), promotes valid declarations to
`silver.tax_returns` (highest version wins; rejects in `quarantine.tax_returns`)
and rebuilds the touched months of `gold.tax_revenue_monthly`.
Each step passes its Great Expectations gate before it writes.
"""

from pipelines.orchestration.factory import sector_dag

dag = sector_dag("tax", __doc__)
