"""The tax sector (省税务局): monthly declarations to monthly revenue by city and industry.

Its tables are declared in `schemas/tables/tax.yaml`; the transforms are `silver.py` and `gold.py`.
"""

from pipelines.core.spec import load_sector

SECTOR = load_sector("tax")
