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
COLUMNS = (
    ("query_id", "string"),
    ("user", "string"),
    ("role", "string"),
    ("engine", "string"),
    ("started_at", "timestamp"),
    ("statement", "string"),
    ("tables", "list"),
    ("rows", "int64"),
    ("seconds", "float64"),
    ("outcome", "string"),
    ("message", "string"),
)


def schema() -> Any:
    """The table's pyarrow schema (never changes without a migration)."""
    import pyarrow as pa

    kinds = {
        "string": pa.string(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "list": pa.list_(pa.string()),
        "int64": pa.int64(),
        "float64": pa.float64(),
    }
    return pa.schema([pa.field(name, kinds[kind]) for name, kind in COLUMNS])


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


def record(settings: Settings, entry: Entry) -> None:
    """Append `entry` to `ops.query_audit` (creating the table on first use)."""
    import pyarrow as pa
    from deltalake import write_deltalake

    row = {name: [getattr(entry, name)] for name, _ in COLUMNS}
    uri = inventory()[TABLE].uri(settings.lake_root)
    frame = pa.table(row, schema=schema())
    try:
        write_deltalake(uri, frame, mode="append", storage_options=delta_rs_options(settings) or None)
    except Exception:  # two first writers racing to create the table: the loser appends
        write_deltalake(uri, frame, mode="append", storage_options=delta_rs_options(settings) or None)
