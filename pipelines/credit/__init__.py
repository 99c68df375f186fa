"""The credit sector (公共信用信息平台): the market entity register and sanctions to credit profiles
and the joint-punishment list.

Its tables are declared in `schemas/tables/credit.yaml`; the transforms are `silver.py` and `gold.py`.
"""

from pipelines.core.spec import load_sector

SECTOR = load_sector("credit")
