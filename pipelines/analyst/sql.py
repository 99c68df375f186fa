"""`lakehouse sql`: one statement over the lake in the name space `<layer>.<table>`.

Every statement is parsed (DuckDB's parser), checked against the role, run on DuckDB (fast
path, no JVM) or Spark (`--engine spark`, tables in the Hive metastore), and audited to
`ops.query_audit` whatever its outcome.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.analyst import access, audit, duck
from pipelines.analyst.access import QueryError, Refused
from pipelines.analyst.store import delta_rs_options
from pipelines.analyst.tables import LakeTable, inventory
from pipelines.settings import Settings

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class Answer:
    """A query's result and what it took."""

    table: Any
    tables: tuple[str, ...]
    engine: str
    seconds: float


def written(settings: Settings, table: LakeTable) -> bool:
    """True when the Delta table exists (has a transaction log)."""
    uri = table.uri(settings.lake_root)
    if "://" not in uri:
        return (Path(uri) / "_delta_log").is_dir()
    from deltalake import DeltaTable

    return DeltaTable.is_deltatable(uri, storage_options=delta_rs_options(settings))


def _require_written(settings: Settings, tables: list[LakeTable]) -> None:
    missing = [t for t in tables if not written(settings, t)]
    if missing:
        names = ", ".join(t.ref for t in missing)
        who = sorted({t.sector for t in missing if t.sector})
        hint = f" (run the {', '.join(who)} sector{'s' if len(who) > 1 else ''})" if who else ""
        raise QueryError(f"{names}: declared but not written yet in {settings.lake_root}{hint}")


def _on_duckdb(settings: Settings, sql: str, role: str, tables: list[LakeTable]) -> Any:
    import duckdb

    try:
        con = duck.connect(settings, tables, restrict=role != "pipeline")
    except RuntimeError as err:
        raise QueryError(str(err)) from None
    try:
        return duck.run(con, sql)
    except duckdb.BinderException as err:
        column = re.search(r'Referenced column "([^"]+)" not found', str(err))
        if not column:
            raise QueryError(f"DuckDB: {str(err).splitlines()[0]}", audit=f"DuckDB {type(err).__name__}") from None
        names = [c for t in tables for c in duck.columns(con, t)]
        raise QueryError(access.unknown_column(column.group(1), [t.ref for t in tables], names)) from None
    except duckdb.PermissionException:
        raise Refused("refused: the statement reads files outside the tables it names") from None
    except duckdb.Error as err:
        raise QueryError(f"DuckDB: {str(err).splitlines()[0]}", audit=f"DuckDB {type(err).__name__}") from None
    finally:
        con.close()


def _on_spark(settings: Settings, sql: str, tables: list[LakeTable]) -> Any:
    from pipelines.analyst import sparksql

    spark = sparksql.session(settings)
    sparksql.register(spark, settings, tables)
    return sparksql.run(spark, sql, tables)


def query(settings: Settings, sql: str, role: str | None = None, engine: str = "duckdb") -> Answer:
    """Run one statement as `role` on `engine`, and audit it.

    Args:
        settings: the deployment (lake root, object store, default role `sql_role`).
        sql: one query; tables are named `<layer>.<table>`.
        role: pipeline, analyst or public (default: `settings.sql_role`).
        engine: duckdb or spark.

    Returns:
        The result as a pyarrow Table, with the tables it read.

    Raises:
        Refused: a table the role may not read (the message names its sharing class).
        QueryError: syntax errors, unknown tables or columns (with near matches), engine errors.
    """
    role = role or settings.sql_role
    words = sql.strip().split(None, 1)
    entry = audit.Entry(role=role, engine=engine, statement=(words[0].upper() + " …") if words else "")
    start = time.perf_counter()
    parser = duck.parser()
    try:
        if engine not in ENGINES:
            raise QueryError(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")
        access.check_role(role)
        parsed = access.parse(parser, sql)
        entry.statement, entry.tables = access.masked(parser, parsed), list(parsed.tables)
        access.enforce(role, parsed.tables)
        tables = [inventory()[ref] for ref in parsed.tables]
        _require_written(settings, tables)
        result = _on_duckdb(settings, sql, role, tables) if engine == "duckdb" else _on_spark(settings, sql, tables)
        entry.rows = result.num_rows
        return Answer(result, parsed.tables, engine, time.perf_counter() - start)
    except QueryError as err:
        entry.outcome, entry.message = err.outcome, err.audit
        raise
    except Exception as err:
        entry.outcome, entry.message = "error", type(err).__name__
        raise
    finally:
        entry.seconds = time.perf_counter() - start
        audit.record(settings, entry, parser)
        parser.close()
