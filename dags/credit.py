"""
### Credit sector (公共信用信息平台) — Airflow DAG

Daily: waits for the `credit/legal_entity` (register changes, JSON Lines, gzip on full
loads) and `credit/sanctions` (CSV) deliveries of the run's date, lands them in bronze
(manifest-checked), promotes valid rows to silver — `silver.credit_legal_entity` keeps
every register version as a type-2 history (valid_from, valid_to, is_current; legal
representative tokenized), `silver.credit_sanctions` the latest status of each record
(credit repairs applied) — and rebuilds the date's snapshots of
`gold.credit_enterprise_profile` (grade A-D) and `gold.credit_joint_punishment`.
Each step passes its Great Expectations gate before it writes.
"""

from pipelines.orchestration.factory import sector_dag

dag = sector_dag("credit", __doc__)
