"""The cross-sector enterprise view: credit profile, tax and electricity of each registered entity.

A sector without feeds: its gold tables read other sectors' silver and gold tables, so its
Airflow DAG is scheduled on their assets (it runs once all of them were updated).

Its tables are declared in `schemas/tables/enterprise.yaml`; the transforms are `silver.py` and `gold.py`.
"""

from pipelines.core.spec import load_sector

SECTOR = load_sector("enterprise")
