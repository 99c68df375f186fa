"""The health sector (省卫生健康委): the hospital register and outpatient visits to weekly
syndromic surveillance and its open publication.

Its tables are declared in `schemas/tables/health.yaml`; the transforms are `silver.py` and `gold.py`.
"""

from pipelines.core.spec import load_sector

SECTOR = load_sector("health")
