"""Query results out: an aligned table on the terminal, or CSV, JSON, Parquet to a file."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

FORMATS = ("table", "csv", "json", "parquet")
SHOWN_ROWS = 1000


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def rows(table: Any, limit: int | None = None) -> list[tuple[Any, ...]]:
    """The rows as tuples (column order kept, duplicate column names too)."""
    part = table if limit is None else table.slice(0, limit)
    return list(zip(*(c.to_pylist() for c in part.columns), strict=True)) if part.num_columns else []


def _numeric(arrow_type: Any) -> bool:
    import pyarrow.types as t

    return t.is_integer(arrow_type) or t.is_floating(arrow_type) or t.is_decimal(arrow_type)


def render_table(table: Any, limit: int = SHOWN_ROWS) -> str:
    """An aligned text table (numbers right-aligned), at most `limit` rows, and a row count."""
    names = table.column_names
    cells = [list(names)] + [[_cell(v) for v in r] for r in rows(table, limit)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(names))]
    right = [_numeric(f.type) for f in table.schema]

    def line(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]]
    more = (
        f" (showing {limit}; write them all with --format csv|json|parquet --out FILE)"
        if table.num_rows > limit
        else ""
    )
    out.append(f"({table.num_rows} row{'s' if table.num_rows != 1 else ''}){more}")
    return "\n".join(out)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact: a float would round money
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def to_json(table: Any) -> str:
    """A JSON array of row objects (decimals as exact strings, dates and times ISO 8601)."""
    names = table.column_names
    objects = [{n: _json_value(v) for n, v in zip(names, r, strict=True)} for r in rows(table)]
    return json.dumps(objects, ensure_ascii=False, indent=1)


def to_csv(table: Any) -> str:
    """CSV with a header row (NULL as an empty field)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in rows(table):
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return buffer.getvalue()


def write(table: Any, fmt: str, out: str | None) -> str:
    """Print or write a result.

    Args:
        table: a pyarrow Table.
        fmt: one of FORMATS.
        out: a file (required for parquet); None prints to standard output.

    Returns:
        What was printed, or a line saying where the rows went.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        if not out:
            raise ValueError("--format parquet needs --out FILE")
        import pyarrow.parquet as pq

        Path(out).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, out)
        return f"{table.num_rows} rows written to {out}"
    text = {"table": render_table, "csv": to_csv, "json": to_json}[fmt](table)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text if text.endswith("\n") else text + "\n", "utf-8")
        return f"{table.num_rows} rows written to {out}"
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return text
