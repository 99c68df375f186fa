"""The analysts' side of the lake: SQL in one name space `<layer>.<table>` (DuckDB, or Spark
with a persistent metastore), access by sharing class with an audit of every query, and the
data-sharing directory (数据资源目录) generated from the specs.

Nothing here imports Spark unless `--engine spark` is asked for.
"""
