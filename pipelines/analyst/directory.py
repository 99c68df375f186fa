"""The data-sharing directory (数据资源目录): one entry per lake table, from the specs plus
what the lake and `ops.run_metrics` say (schema, rows, freshness, last gate), without Spark.

Upstream and downstream tables come from the recorded OpenLineage events (`pipelines.lineage`:
what the steps' latest completed runs read and wrote) once a table has been run; before, from
the declared graph of the specs (`lineage_from` says which).

`build_directory(settings)` writes `<docs_dir>/directory/`: `directory.json`, a searchable
`index.html` and one page per table `tables/<layer>.<table>.html` (see `site.py`). It runs
at the end of `lakehouse run`, as the last task of every sector DAG and by
`lakehouse catalog --build`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from pipelines.analyst.store import delta_rs_options
from pipelines.analyst.tables import LakeTable, downstream, inventory
from pipelines.lineage import LineageGraph, lineage_graph
from pipelines.settings import Settings

LINEAGE_COLUMNS = ("_batch_id", "_dt", "_source_file", "_row_no", "_ingested_at", "_run_id")


@cache
def glossary() -> dict[str, tuple[str, str]]:
    """Column descriptions by column name: (English, 中文); a table's own (`table_columns`) win."""
    text = resources.files("pipelines.analyst").joinpath("glossary.yaml").read_text("utf-8")
    return {k: (v[0], v[1]) for k, v in yaml.safe_load(text).items()}


@cache
def table_columns(ref: str) -> dict[str, tuple[str, str]]:
    """A table's own column descriptions (the open tables' data dictionary, `schemas/columns/`)."""
    layer, _, name = ref.partition(".")
    path = resources.files("pipelines.columns").joinpath(layer, f"{name}.yaml")
    if not path.is_file():
        return {}
    columns = yaml.safe_load(path.read_text("utf-8")).get("columns", {})
    return {k: (v.get("en", ""), v.get("zh", "")) for k, v in columns.items()}


def _column(name: str, kind: str, pii: bool, header: str = "", ref: str = "") -> dict[str, Any]:
    en, zh = table_columns(ref).get(name) or glossary().get(name, ("", ""))
    if not zh and header and not header.isascii():
        zh = header  # the delivered (Chinese) header says what it is
    return {"name": name, "type": kind, "description": en, "description_zh": zh, "pii": pii}


def _contract_columns(table: LakeTable) -> list[dict[str, Any]]:
    """Columns as declared, for a table not written yet (bronze: text as delivered; silver: typed, PII tokenized)."""
    if table.feed is None:
        return []
    contract = table.feed.contract
    pii_raw = any(c.pii for c in contract.columns)
    if table.layer == "silver":
        return [
            _column(f"{c.name}_token", "string", True)
            if c.pii
            else _column(c.name, c.type, False, c.delivered_name, table.ref)
            for c in contract.columns
        ]
    cols = [_column(c.name, "string", c.pii, c.delivered_name) for c in contract.columns]
    if table.layer == "quarantine":
        cols.append(_column("reasons", "array<string>", False))
    return [*cols, _column("_raw", "string", pii_raw), *(_column(c, "string", False) for c in LINEAGE_COLUMNS)]


def _type_name(kind: Any) -> str:
    if hasattr(kind, "element_type"):
        return f"array<{_type_name(kind.element_type)}>"
    if hasattr(kind, "key_type"):
        return f"map<{_type_name(kind.key_type)},{_type_name(kind.value_type)}>"
    if hasattr(kind, "fields"):
        return "struct<" + ",".join(f"{f.name}:{_type_name(f.type)}" for f in kind.fields) + ">"
    return str(getattr(kind, "type", kind))


def _pii_names(table: LakeTable) -> set[str]:
    names = set(table.catalog.pii_columns)
    if table.feed is not None and table.layer in ("bronze", "quarantine"):
        names |= {c.name for c in table.feed.contract.columns if c.pii}
        names |= {"_raw"} if names else set()
    return names


def _delta_facts(settings: Settings, table: LakeTable) -> dict[str, Any] | None:
    """Schema, row count and version of the Delta table (None when it does not exist)."""
    from deltalake import DeltaTable

    from pipelines.analyst.sql import written

    if not written(settings, table):
        return None
    delta = DeltaTable(table.uri(settings.lake_root), storage_options=delta_rs_options(settings) or None)
    pii = _pii_names(table)
    headers = {c.name: c.delivered_name for c in table.feed.contract.columns} if table.feed else {}
    columns = []
    for f in delta.schema().fields:
        col = _column(f.name, _type_name(f.type), f.name in pii, headers.get(f.name, ""), table.ref)
        comment = (f.metadata or {}).get("comment")
        col["description"] = col["description"] or (str(comment) if comment else "")
        columns.append(col)
    import pyarrow as pa

    actions = pa.table(delta.get_add_actions(flatten=True))
    rows = sum(v for v in actions.column("num_records").to_pylist() if v is not None) if actions.num_rows else 0
    return {"columns": columns, "rows": rows, "version": delta.version()}


def _runs(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """`ops.run_metrics` rows by table, newest first ({} when nothing ran yet)."""
    from pipelines.analyst.sql import written

    ops = inventory()["ops.run_metrics"]
    if not written(settings, ops):
        return {}
    from pipelines.query import arrow_table

    rows = arrow_table(settings, "ops", "run_metrics").to_pylist()
    by_table: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(rows, key=lambda r: r["recorded_at"], reverse=True):
        by_table.setdefault(r["table"], []).append(r)
    return by_table


def _feeds(ref: str) -> list[str]:
    """The landing feeds a table derives from (transitively)."""
    known, seen, stack, feeds = inventory(), set(), [ref], set()
    while stack:
        current = stack.pop()
        for source in known[current].sources if current in known else ():
            if source.startswith("landing."):
                feeds.add(source.removeprefix("landing."))
            elif source not in seen:
                seen.add(source)
                stack.append(source)
    return sorted(feeds)


def _freshness(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = next((r for r in runs if r["status"] == "ok"), None)
    gated = next((r for r in runs if r["gate"] not in ("", "-", None)), None)
    return {
        "last_success_run": ok["run_id"] if ok else None,
        "last_success_dt": ok["dt"] if ok else None,
        "last_success_at": ok["recorded_at"].isoformat(timespec="seconds") if ok else None,
        "last_status": runs[0]["status"] if runs else None,
        "gate": gated["gate"] if gated else None,
        "gate_dt": gated["dt"] if gated else None,
        "gate_run": gated["run_id"] if gated else None,
        "docs": gated["docs"] if gated and gated["docs"] else None,
    }


def _lineage(table: LakeTable, graph: LineageGraph | None) -> tuple[list[str], list[str], str]:
    """(upstream, downstream, where from): the recorded events when they name the table, else the specs."""
    if graph is not None and table.ref in graph.tables():
        up = sorted({t for job in graph.producers(table.ref) for t in job.inputs})
        down = sorted({t for job in graph.consumers(table.ref) for t in job.outputs} - {table.ref})
        return up, down, "events"
    return list(table.sources), downstream(table.ref), "specs"


def entry(
    settings: Settings,
    table: LakeTable,
    runs: list[dict[str, Any]],
    sectors: dict[str, str],
    graph: LineageGraph | None = None,
) -> dict[str, Any]:
    """The directory entry of one table (lineage from `graph`'s events where they name it)."""
    facts = _delta_facts(settings, table)
    upstream, downstream_, lineage_from = _lineage(table, graph)
    c = table.catalog
    description, description_zh = c.description, c.description_zh
    if table.layer in ("bronze", "quarantine") and table.feed is not None:
        contract = table.feed.contract
        description = f"{description} {contract.description}".strip()
        description_zh = f"{contract.description_zh}{description_zh}"
    return {
        "ref": table.ref,
        "layer": table.layer,
        "name": table.name,
        "sector": table.sector,
        "sector_description": sectors.get(table.sector, ""),
        "description": description,
        "description_zh": description_zh,
        "owner": c.owner,
        "sharing": table.sharing,
        "update_frequency": c.update_frequency,
        "retention_days": c.retention_days,
        "pii_columns": sorted(_pii_names(table)),
        "source_feeds": _feeds(table.ref),
        "upstream": upstream,
        "downstream": downstream_,
        "lineage_from": lineage_from,
        "columns": facts["columns"] if facts else _contract_columns(table),
        "schema_from": "delta" if facts else ("contract" if table.feed else "not written yet"),
        "rows": facts["rows"] if facts else None,
        "version": facts["version"] if facts else None,
        **_freshness(runs),
        "page": f"tables/{table.ref}.html",
    }


def entries(settings: Settings) -> list[dict[str, Any]]:
    """Every table's entry, in layer order."""
    from pipelines import registry

    sectors = {s.name: s.description for s in registry.SECTORS.values()}
    runs = _runs(settings)
    graph = lineage_graph(settings)
    return [entry(settings, t, runs.get(_step_table(t), []), sectors, graph) for t in inventory().values()]


def _step_table(table: LakeTable) -> str:
    """The `ops.run_metrics` table a table's runs are recorded under (quarantine: its silver step)."""
    if table.layer != "quarantine":
        return table.ref
    return next(t.ref for t in inventory().values() if t.layer == "silver" and t.feed == table.feed)


def search_text(e: dict[str, Any]) -> str:
    """Everything a keyword may match in an entry, lower-cased (the site searches the same text)."""
    words = [e["ref"], e["sector"], e["sector_description"], e["description"], e["description_zh"], e["owner"]]
    words += [e["sharing"], e["layer"], *e["source_feeds"]]
    for col in e["columns"]:
        # The glossary's words too: a table's own description may not say "influenza" for ILI.
        words += [col["name"], col["description"], col["description_zh"], *glossary().get(col["name"], ())]
    return " ".join(w for w in words if w).lower()


def search(found: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """Entries whose text holds every whitespace-separated word of `query` (Chinese or English)."""
    terms = query.lower().split()
    return [e for e in found if all(t in search_text(e) for t in terms)]


def to_json(found: list[dict[str, Any]]) -> str:
    """`directory.json`'s content."""
    payload = {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "tables": found}
    return json.dumps(payload, ensure_ascii=False, indent=1, default=str)


def render(found: list[dict[str, Any]]) -> str:
    """The entries as text: a line each, or the whole entry when only one matches."""
    if len(found) == 1:
        return _render_one(found[0])
    lines = [f"{'table':<40} {'class':<12} {'rows':>9}  {'fresh (dt)':<11} {'gate':<14} description"]
    for e in found:
        rows = "-" if e["rows"] is None else str(e["rows"])
        lines.append(
            f"{e['ref']:<40} {e['sharing']:<12} {rows:>9}  {e['last_success_dt'] or '-':<11} "
            f"{e['gate'] or '-':<14} {e['description_zh'] or e['description']}"
        )
    lines.append(f"({len(found)} table{'s' if len(found) != 1 else ''})")
    return "\n".join(lines)


def _render_one(e: dict[str, Any]) -> str:
    out = [
        f"{e['ref']}  [{e['sharing']}]",
        f"  {e['description_zh']}",
        f"  {e['description']}",
        f"  owner: {e['owner']}   sector: {e['sector'] or '-'}   layer: {e['layer']}",
        f"  update: {e['update_frequency']}   retention: {e['retention_days'] or '-'} days",
        f"  rows: {e['rows'] if e['rows'] is not None else '-'}   version: {e['version'] if e['version'] is not None else '-'}",
        f"  last success: {e['last_success_dt'] or '-'} (run {e['last_success_run'] or '-'})   gate: {e['gate'] or '-'}",
        f"  Data Docs: {e['docs'] or '-'}",
        f"  source feeds: {', '.join(e['source_feeds']) or '-'}",
        f"  upstream: {', '.join(e['upstream']) or '-'}",
        f"  downstream: {', '.join(e['downstream']) or '-'}",
        f"  lineage from: {e['lineage_from']}",
        f"  columns ({e['schema_from']}):",
    ]
    for col in e["columns"]:
        flag = " PII" if col["pii"] else ""
        out.append(f"    {col['name']:<28} {col['type']:<16}{flag:<4} {col['description_zh'] or col['description']}")
    return "\n".join(out)


def build_directory(settings: Settings) -> Path:
    """Write the directory site and `directory.json` under `<docs_dir>/directory/`.

    Returns:
        The path of `index.html`.
    """
    from pipelines.analyst.site import write_site

    found = entries(settings)
    root = Path(settings.docs_dir) / "directory"
    return write_site(root, found, to_json(found), [search_text(e) for e in found])
