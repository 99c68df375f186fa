"""Hand-written deliveries for the re-delivery tests, the steps to run them and a content reader.

A delivery is written as a department would: its files, then `_manifest.json` last; a
re-delivery first removes the date's folder (a corrected delivery replaces the files).
Lake content is read with delta-rs (`pipelines.query.read_table`), independently of Spark,
and compared as sorted rows without the columns that name the run or the clock.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pipelines.core.spec import FeedSpec, GoldSpec, SilverSpec
from pipelines.core.steps import RunContext, StepResult, build_gold, ingest_bronze, promote_silver
from pipelines.generate.manifest import MANIFEST_NAME, file_entry, manifest_bytes
from pipelines.ids import id_check_char, uscc_check_char
from pipelines.io.lake import Lake
from pipelines.query import read_table
from pipelines.settings import Settings

VOLATILE = frozenset({"_ingested_at", "_run_id", "_quarantined_at"})
"""Columns that differ between two lakes fed the same deliveries (when, and by which run)."""


def uscc(n: int) -> str:
    """A valid USCC (Nanjing, Xuanwu) numbered `n`."""
    first17 = f"91320102{n:09d}"
    return first17 + uscc_check_char(first17)


def id_no(n: int) -> str:
    """A valid resident identity number numbered `n` (born 1980-01-01)."""
    first17 = f"32010219800101{n:03d}"
    return first17 + id_check_char(first17)


def deliver(settings: Settings, sector: str, feed: str, dt: str, data: bytes, rows: int, name: str) -> None:
    """Deliver one file for `dt` (replacing whatever the date's folder held), then its manifest."""
    folder = Path(settings.landing_root) / sector / feed / f"dt={dt}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    entry = file_entry(name, data, rows)
    (folder / MANIFEST_NAME).write_bytes(manifest_bytes(sector, feed, date.fromisoformat(dt), "tests", [entry], 60))


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8", sep: str = ",") -> bytes:
    """A delimited file with a header row, `\\n` line ends."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode(encoding)


def jsonl_bytes(rows: Sequence[dict[str, Any]]) -> bytes:
    """JSON Lines, UTF-8."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def parquet_bytes(table: Any) -> bytes:
    """A pyarrow table as Parquet (snappy) bytes."""
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


Step = tuple[str, FeedSpec | SilverSpec | GoldSpec]


def run(lake: Lake, steps: Sequence[Step], dt: str, run_id: str) -> list[StepResult]:
    """Run `steps` (("bronze", feed) / ("silver", spec) / ("gold", spec)) for `dt`, in order."""
    ctx = RunContext(run_id, dt)
    results = []
    for layer, spec in steps:
        if layer == "bronze":
            assert isinstance(spec, FeedSpec)
            results.append(ingest_bronze(lake, spec, ctx))
        elif layer == "silver":
            assert isinstance(spec, SilverSpec)
            results.append(promote_silver(lake, spec, ctx))
        else:
            assert isinstance(spec, GoldSpec)
            results.append(build_gold(lake, spec, ctx))
    return results


def timed(lake: Lake, steps: Sequence[Step], dt: str, run_id: str) -> tuple[list[StepResult], float]:
    """`run`, and how long it took (seconds)."""
    started = time.monotonic()
    results = run(lake, steps, dt, run_id)
    return results, time.monotonic() - started


def content(settings: Settings, layer: str, table: str, dt: str | None = None) -> list[tuple]:
    """The table's rows (only delivery `dt`'s when given) as sorted tuples of (column, repr(value))."""
    if not (Path(settings.lake_root) / layer / table / "_delta_log").exists():
        return []
    rows = read_table(settings, layer, table)
    if dt is not None:
        rows = [r for r in rows if str(r["_dt"]) == dt]
    return sorted(tuple(sorted((k, repr(v)) for k, v in r.items() if k not in VOLATILE)) for r in rows)


def lake_content(settings: Settings, tables: Sequence[tuple[str, str]]) -> dict[str, list[tuple]]:
    """`content` of several tables, by `layer.table`."""
    return {f"{layer}.{name}": content(settings, layer, name) for layer, name in tables}


def column(settings: Settings, layer: str, table: str, *names: str) -> list[tuple]:
    """Sorted values of `names` of every row (for readable assertions)."""
    return sorted(tuple(r[n] for n in names) for r in read_table(settings, layer, table))
