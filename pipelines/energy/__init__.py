"""The energy sector (国网江苏省电力): meter register and 15-minute readings to daily
consumption by segment and city load curves.

Its tables are declared in `schemas/tables/energy.yaml`; the transforms are `silver.py` and `gold.py`.
"""

from pipelines.core.spec import load_sector

SECTOR = load_sector("energy")
