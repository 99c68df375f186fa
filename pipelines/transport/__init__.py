"""The transport sector (省交通运输厅): gantry register, ETC passages and hub passenger
flow to hourly gantry traffic and hourly hub flow.

Its tables are declared in `schemas/tables/transport.yaml`; the transforms are `silver.py` and `gold.py`.
"""

from pipelines.core.spec import load_sector

SECTOR = load_sector("transport")
