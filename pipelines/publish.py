"""`lakehouse publish`: every open table, exported the way an open-data portal receives it.

Only tables whose catalog entry says `sharing="open"` are exported (docs/decisions/0006:
open tables carry their disclosure control in their transforms). For each one the export
folder gets `<layer>.<table>/` with

- `<layer>.<table>.csv` — UTF-8 with a byte-order mark, so that spreadsheets read the Chinese
  text right; a header row, nulls empty, dates `YYYY-MM-DD`, timestamps in UTC
  (`YYYY-MM-DD hh:mm:ss.ffffffZ`), lists joined with `;`;
- `<layer>.<table>.parquet` — the same rows, typed;
- `dictionary.json` — the data dictionary: table, descriptions (en, zh), owner, sector,
  update frequency, licence note, rows, the Delta version exported, every column with its
  type and descriptions (en, zh), the files with their sha256;

and the folder itself `index.json` (the datasets) and `dictionary.csv` (every column of
every dataset, with a BOM). Rows come from the table's current Delta snapshot, read with
delta-rs and pyarrow (no JVM). Lineage columns (names starting with `_`) are internal and
not published; an `as_of` table (a dated snapshot of a list) is published as its latest
snapshot. Column descriptions are data: `schemas/columns/<layer>/<table>.yaml`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.spec import Catalog, Sector
from pipelines.settings import Settings

COLUMNS_DIR: Traversable = files("pipelines.columns")  # schemas/columns/ in the source tree
BOM = b"\xef\xbb\xbf"
LIST_SEPARATOR = ";"
INDEX = "index.json"
LICENCE = {
    "en": "Public data of the Jiangsu provincial big-data programme, released through the province's open-data "
    "portal under its terms of use: free to use, copy, redistribute and adapt, commercially too, with "
    "attribution to the owner department and the data's date; attempting to re-identify any person or "
    "enterprise is not permitted; provided as is, without warranty.",
    "zh": "江苏省大数据公共数据，经省公共数据开放平台按其使用条款开放：可免费使用、复制、传播与加工（含商业用途），"
    "须注明数据提供部门及数据日期；不得试图重新识别任何个人或企业；按现状提供，不作任何担保。",
}


@dataclass(frozen=True)
class OpenTable:
    """An open table of the catalog."""

    layer: str
    name: str
    sector: str
    catalog: Catalog
    latest_of: str = ""  # partition column of an `as_of` table: only its latest snapshot is published

    @property
    def full_name(self) -> str:
        """`<layer>.<name>`."""
        return f"{self.layer}.{self.name}"


class UndocumentedColumns(ValueError):
    """An exported column has no description in `schemas/columns/`."""


def open_tables(sectors: Iterable[Sector]) -> list[OpenTable]:
    """Every silver and gold table of `sectors` whose catalog entry is `open`."""
    tables = []
    for sector in sectors:
        tables += [
            OpenTable("silver", s.name, sector.name, s.catalog) for s in sector.silver if s.catalog.sharing == "open"
        ]
        tables += [
            OpenTable("gold", g.name, sector.name, g.catalog, g.partition_by if g.mode == "as_of" else "")
            for g in sector.gold
            if g.catalog.sharing == "open"
        ]
    return tables


def column_descriptions(table: OpenTable) -> dict[str, dict[str, str]]:
    """Column -> {en, zh} from `schemas/columns/<layer>/<table>.yaml` (empty when there is none)."""
    path = COLUMNS_DIR / table.layer / f"{table.name}.yaml"
    return yaml.safe_load(path.read_text("utf-8"))["columns"] if path.is_file() else {}


def publishable(data: Any, table: OpenTable) -> Any:
    """The rows and columns that are published: no lineage columns, the latest snapshot of an
    `as_of` table, in a stable order."""
    import pyarrow.compute as pc
    import pyarrow.types as pt

    data = data.select([c for c in data.column_names if not c.startswith("_")])
    if table.latest_of and data.num_rows:
        data = data.filter(pc.equal(data[table.latest_of], pc.max(data[table.latest_of])))
    sortable = [f.name for f in data.schema if not pt.is_nested(f.type)]
    return data.sort_by([(c, "ascending") for c in sortable])


def type_name(arrow_type: Any) -> str:
    """The lake's (Spark SQL) name of an Arrow type."""
    import pyarrow.types as pt

    names = [
        (pt.is_string, "string"),
        (pt.is_large_string, "string"),
        (pt.is_boolean, "boolean"),
        (pt.is_int64, "bigint"),
        (pt.is_int32, "int"),
        (pt.is_float64, "double"),
        (pt.is_date32, "date"),
        (pt.is_timestamp, "timestamp (UTC)"),
    ]
    for test, name in names:
        if test(arrow_type):
            return name
    if pt.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if pt.is_list(arrow_type) or pt.is_large_list(arrow_type):
        return f"array<{type_name(arrow_type.value_type)}>"
    return str(arrow_type)


def csv_bytes(data: Any) -> bytes:
    """The rows as CSV, UTF-8 with a byte-order mark; lists joined with LIST_SEPARATOR."""
    import io

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as csv
    import pyarrow.types as pt

    for i, field in enumerate(data.schema):
        if pt.is_list(field.type) or pt.is_large_list(field.type):
            joined = pc.binary_join(data.column(i), LIST_SEPARATOR)
            data = data.set_column(i, pa.field(field.name, pa.string()), joined)
    buffer = io.BytesIO()
    csv.write_csv(data, buffer)
    return BOM + buffer.getvalue()


def dictionary(table: OpenTable, data: Any, version: int | None, files: dict[str, dict]) -> dict:
    """The data dictionary of an exported table.

    Raises:
        UndocumentedColumns: naming every exported column without a description.
    """
    described = column_descriptions(table)
    missing = [c for c in data.column_names if not described.get(c, {}).get("en") or not described[c].get("zh")]
    if missing:
        path = COLUMNS_DIR / table.layer / f"{table.name}.yaml"
        raise UndocumentedColumns(f"{table.full_name}: no description (en and zh) for {missing} in {path}")
    return {
        "table": table.full_name,
        "sector": table.sector,
        "owner": table.catalog.owner,
        "description_en": table.catalog.description,
        "description_zh": table.catalog.description_zh,
        "sharing": table.catalog.sharing,
        "update_frequency": table.catalog.update_frequency,
        "snapshot": "latest as_of_date only" if table.latest_of else "all rows",
        "licence": LICENCE,
        "rows": data.num_rows,
        "delta_version": version,
        "columns": [
            {"name": f.name, "type": type_name(f.type), **{f"description_{k}": v for k, v in described[f.name].items()}}
            for f in data.schema
        ],
        "files": files,
    }


def _file(path: Path) -> dict:
    return {"name": path.name, "bytes": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def _prepare(out: Path) -> None:
    """An empty export folder: a previous export's datasets are removed (no stale table survives)."""
    if out.exists() and any(out.iterdir()):
        if not (out / INDEX).exists():
            raise FileExistsError(f"{out} is not empty and holds no previous export ({INDEX}): choose another --out")
        for path in out.iterdir():
            if path.is_dir() and path.name.split(".", 1)[0] in ("silver", "gold"):
                shutil.rmtree(path)
        for name in (INDEX, "dictionary.csv"):
            (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def export_table(settings: Settings, table: OpenTable, out: Path) -> dict | None:
    """Write one open table's CSV, Parquet and dictionary under `out`; None when it is not built yet."""
    import pyarrow.parquet as pq
    from deltalake import DeltaTable

    from pipelines.io.storage import join
    from pipelines.query import arrow_table, storage_options

    uri = join(settings.lake_root, table.layer, table.name)
    if not DeltaTable.is_deltatable(uri, storage_options=storage_options(settings)):
        return None
    version = DeltaTable(uri, storage_options=storage_options(settings)).version()
    data = publishable(arrow_table(settings, table.layer, table.name), table)
    folder = out / table.full_name
    folder.mkdir()
    csv_path, parquet_path = folder / f"{table.full_name}.csv", folder / f"{table.full_name}.parquet"
    csv_path.write_bytes(csv_bytes(data))
    pq.write_table(data, parquet_path)
    entry = dictionary(table, data, version, {"csv": _file(csv_path), "parquet": _file(parquet_path)})
    (folder / "dictionary.json").write_text(json.dumps(entry, ensure_ascii=False, indent=2, default=str), "utf-8")
    return entry


def publish(settings: Settings, out: str | Path, sectors: Iterable[Sector] | None = None) -> list[dict]:
    """Export every open table of the lake to `out` (replacing a previous export there).

    Args:
        settings: where the lake is.
        out: the export folder.
        sectors: the sectors whose tables to consider (default: all).

    Returns:
        The dictionaries of the exported tables (tables not built yet are left out).
    """
    from pipelines import registry

    out = Path(out)
    _prepare(out)
    tables = open_tables(registry.sectors() if sectors is None else sectors)
    entries = [e for e in (export_table(settings, t, out) for t in tables) if e is not None]
    index = {
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "datasets": [{k: e[k] for k in ("table", "owner", "description_zh", "rows", "files")} for e in entries],
    }
    (out / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=2), "utf-8")
    lines = ["table,column,type,description_en,description_zh"]
    for e in entries:
        lines += [
            ",".join(_quote(v) for v in (e["table"], c["name"], c["type"], c["description_en"], c["description_zh"]))
            for c in e["columns"]
        ]
    (out / "dictionary.csv").write_bytes(BOM + ("\n".join(lines) + "\n").encode("utf-8"))
    return entries


def _quote(value: str) -> str:
    return '"' + str(value).replace('"', '""') + '"'


def register(commands: Any, settings_of: Callable[[argparse.Namespace], Settings]) -> None:
    """Add `lakehouse publish` to the CLI's sub-commands."""
    cmd = commands.add_parser("publish", help="export every open table (CSV with BOM, Parquet, data dictionary)")
    cmd.add_argument("--out", required=True, help="export folder (created; a previous export there is replaced)")
    cmd.add_argument("--lake", help="lake root; default from settings")
    cmd.set_defaults(func=lambda args: _run(settings_of(args), args.out))


def _run(settings: Settings, out: str) -> int:
    entries = publish(settings, out)
    for e in entries:
        print(f"{e['table']:<40} {e['rows']:>9} rows  {e['files']['csv']['name']}, {e['files']['parquet']['name']}")
    print(f"\n{len(entries)} open tables exported to {out} (index.json, dictionary.csv)")
    return 0
