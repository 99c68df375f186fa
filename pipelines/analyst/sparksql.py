"""The big path: the same SQL on Spark, with the tables in Spark's persistent catalog.

`register` puts each table into the Hive metastore as `<layer>.<table>` (an external Delta
table at its lake location), so any session configured with `spark_catalog = "hive"` can
`spark.sql("select … from gold.x")`. Registration is idempotent and follows the lake: a table
whose location moved (another lake root) is re-pointed.
"""

from __future__ import annotations

from typing import Any

from pipelines.analyst.access import QueryError, unknown_column
from pipelines.analyst.tables import LakeTable
from pipelines.io.storage import spark_uri
from pipelines.settings import Settings


def session(settings: Settings) -> Any:
    """The process's SparkSession with the Hive catalog."""
    from pipelines.spark import get_session

    return get_session(settings.with_overrides(spark_catalog="hive"), "lakehouse-sql")


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def register(spark: Any, settings: Settings, tables: list[LakeTable]) -> None:
    """Create `<layer>` databases and `<layer>.<table>` external Delta tables (if missing or moved)."""
    for table in tables:
        location = spark_uri(table.uri(settings.lake_root))
        name = f"`{table.layer}`.`{table.name}`"
        spark.sql(f"CREATE DATABASE IF NOT EXISTS `{table.layer}`")
        if spark.catalog.tableExists(f"{table.layer}.{table.name}"):
            current = spark.sql(f"DESCRIBE DETAIL {name}").first()["location"]
            if current.rstrip("/").removeprefix("file:") == location.rstrip("/").removeprefix("file:"):
                continue
            spark.sql(f"DROP TABLE {name}")  # external: drops the registration, never the data
        spark.sql(f"CREATE TABLE IF NOT EXISTS {name} USING delta LOCATION {_quote(location)}")


def run(spark: Any, sql: str, tables: list[LakeTable]) -> Any:
    """The result of `sql` as a pyarrow Table.

    Raises:
        QueryError: Spark's analysis errors, with near matches for an unknown column.
    """
    from pyspark.errors import AnalysisException, ParseException

    try:
        return spark.sql(sql).toArrow()
    except ParseException as err:
        raise QueryError(f"syntax error (Spark SQL): {err.getMessage()}", audit="Spark syntax error") from None
    except AnalysisException as err:
        params = err.getMessageParameters() or {}
        if (err.getCondition() or "").startswith("UNRESOLVED_COLUMN"):
            column = params.get("objectName", "?").strip("`").split("`.`")[-1]
            names = [f.name for t in tables for f in spark.table(f"{t.layer}.{t.name}").schema.fields]
            raise QueryError(unknown_column(column, [t.ref for t in tables], names)) from None
        raise QueryError(f"Spark: {err.getMessage()}", audit=f"Spark {err.getCondition()}") from None
