"""`ops.query_audit`: one row per statement through `lakehouse sql`, appended without a JVM.

The statement is stored re-printed from its parse tree with every literal replaced by `?`
(an identity number typed into a WHERE clause never reaches the audit); a statement that
does not parse is stored as its first word only. Engine errors are stored as their kind,
not their text (their text can quote data values).

A table of its own, written by delta-rs with a fixed schema, so the Spark-written ops tables
are never touched by a second writer.
"""

from __future__ import annotations

import getpass
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipelines.analyst.store import delta_rs_options
from pipelines.analyst.tables import inventory
from pipelines.settings import Settings

TABLE = "ops.query_audit"
# Column, DuckDB type. The row is built by DuckDB (pyarrow's own conversion from Python
# objects imports pandas: seconds on a query that takes milliseconds).
COLUMNS = (
    ("query_id", "VARCHAR"),
    ("user", "VARCHAR"),
    ("role", "VARCHAR"),
    ("engine", "VARCHAR"),
    ("started_at", "TIMESTAMPTZ"),
    ("statement", "VARCHAR"),
    ("tables", "VARCHAR[]"),
    ("rows", "BIGINT"),
    ("seconds", "DOUBLE"),
    ("outcome", "VARCHAR"),
    ("message", "VARCHAR"),
)


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, datetime):
        value = value.astimezone(UTC).isoformat()
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def arrow_row(con: Any, entry: Entry) -> Any:
    """`entry` as a one-row pyarrow Table of the audit schema (built by DuckDB)."""
    con.execute("SET TimeZone = 'UTC'")
    cells = ", ".join(f'CAST({_literal(getattr(entry, n))} AS {kind}) AS "{n}"' for n, kind in COLUMNS)
    return con.execute(f"SELECT {cells}").to_arrow_table()


@dataclass
class Entry:
    """One audited statement."""

    role: str
    engine: str
    statement: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    user: str = field(default_factory=getpass.getuser)
    query_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    tables: list[str] = field(default_factory=list)
    rows: int | None = None
    seconds: float = 0.0
    outcome: str = "ok"
    message: str = ""


def record(settings: Settings, entry: Entry, con: Any) -> None:
    """Append `entry` to `ops.query_audit` (creating the table on first use).

    Args:
        settings: where the lake is.
        entry: the statement's record.
        con: a DuckDB connection to build the row with.
    """
    from deltalake import write_deltalake

    uri = inventory()[TABLE].uri(settings.lake_root)
    frame = arrow_row(con, entry)
    try:
        write_deltalake(uri, frame, mode="append", storage_options=delta_rs_options(settings) or None)
    except Exception:  # two first writers racing to create the table: the loser appends
        write_deltalake(uri, frame, mode="append", storage_options=delta_rs_options(settings) or None)
