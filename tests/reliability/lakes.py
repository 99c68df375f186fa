"""What an independent reader (delta-rs, no Spark) sees of a lake: tables, their content, every version's consistency.

Content is compared without the columns that say *when* or *by which run* a row was
written (`RUN_TIME`): a rerun or a concurrent run rewrites them, the data itself must not
change.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipelines.query import arrow_table
from pipelines.settings import Settings

RUN_TIME = frozenset(
    {
        "_ingested_at",  # bronze (and silver lineage): when the row was landed
        "_run_id",  # bronze, quarantine: which run landed it
        "_quarantined_at",
        "recorded_at",  # ops: when the record was written
        "run_id",
        "dag_id",
        "task_id",
        "try_number",
        "seconds",  # ops.run_metrics: how long the step took
        "version",  # ops.run_metrics: the table's Delta version after the step (a rerun adds commits)
        "conflicts",  # ops.run_metrics: how often the step lost a commit race (concurrency, not content)
        "retries",
        "docs",  # ops: the Data Docs page (named after the run and its time)
    }
)


def tables(lake_root: str | Path) -> list[tuple[str, str]]:
    """Every `(layer, name)` with at least one commit."""
    root = Path(lake_root)
    found = [(p.parent.parent.name, p.parent.name) for p in root.glob("*/*/_delta_log")]
    return sorted(t for t in found if any((root / t[0] / t[1] / "_delta_log").glob("*.json")))


def _normal(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(sorted(_normal(v) for v in value))
    if isinstance(value, dict):
        return tuple(sorted((k, _normal(v)) for k, v in value.items()))
    return value


def content(
    settings: Settings, layer: str, name: str, version: int | None = None, order_free: bool = False
) -> list[str]:
    """The table's rows (at `version`), without run-time columns, as sorted text: what must not change.

    With `order_free`, `ops.run_metrics` rows of gold steps also lose what depends on the order
    in which concurrent dates committed (`ORDER_DEPENDENT`).
    """
    rows = arrow_table(settings, layer, name, version).to_pylist()
    if order_free and (layer, name) == ("ops", "run_metrics"):
        rows = [{k: v for k, v in r.items() if not (r["step"] == "gold" and k in ORDER_DEPENDENT)} for r in rows]
    return sorted(repr(tuple(sorted((k, _normal(v)) for k, v in r.items() if k not in RUN_TIME))) for r in rows)


ORDER_DEPENDENT = frozenset({"rows_in", "promoted"})
"""What a gold step's `ops.run_metrics` row counts of the silver rows it read: a date built after
a later date committed reads that date's rows of the same months too (the gold table itself
must still be equal)."""


def lake_content(
    settings: Settings, only: set[tuple[str, str]] | None = None, order_free: bool = False
) -> dict[tuple[str, str], list[str]]:
    """`content` of every table of the lake (or of `only`)."""
    return {
        t: content(settings, *t, order_free=order_free) for t in tables(settings.lake_root) if only is None or t in only
    }


def sector_content(settings: Settings, sector: str) -> dict[tuple[str, str], list[str]]:
    """`content` of a sector's tables, and of the ops records of its steps (and the lake's key record)."""
    from pipelines import registry

    spec = registry.SECTORS[sector]
    own = {("bronze", f.table) for f in spec.feeds} | {("quarantine", f.table) for f in spec.feeds}
    own |= {("silver", s.name) for s in spec.silver} | {("gold", g.name) for g in spec.gold}
    out = lake_content(settings, own | {("ops", "pii_key")})
    names = {f"{layer}.{name}" for layer, name in own}
    for table in ("run_metrics", "quality_results"):
        rows = [r for r in arrow_table(settings, "ops", table).to_pylist() if r["table"] in names]
        out[("ops", table)] = sorted(
            repr(tuple(sorted((k, _normal(v)) for k, v in r.items() if k not in RUN_TIME))) for r in rows
        )
    return out


def diff(expected: dict, actual: dict) -> list[str]:
    """What differs between two `lake_content`s, readably (empty when equal)."""
    out = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want == got:
            continue
        if want is None or got is None:
            out.append(f"{table}: {'missing' if got is None else 'unexpected'}")
            continue
        lost, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        out.append(f"{table}: {len(want)} rows expected, {len(got)} found; lost {lost[:2]} extra {extra[:2]}")
    return out


def check_every_version(settings: Settings, layer: str, name: str) -> int:
    """Read every committed version of a table as delta-rs sees it; its rows must be exactly its files' records.

    Returns:
        The latest version.

    Raises:
        AssertionError: a version is unreadable, or its rows differ from the record counts
            its commit log declares (a partial commit, or rows of files it does not list).
    """
    from deltalake import DeltaTable

    uri = str(Path(settings.lake_root) / layer / name)
    latest = DeltaTable(uri).version()
    for version in range(latest + 1):
        snapshot = DeltaTable(uri, version=version)
        declared = sum(pa.table(snapshot.get_add_actions(flatten=True)).column("num_records").to_pylist())
        rows = arrow_table(settings, layer, name, version).num_rows
        assert rows == declared, f"{layer}.{name} v{version}: {rows} rows read, {declared} declared by its log"
    return latest


def orphan_files(settings: Settings, layer: str, name: str) -> list[str]:
    """Data files under the table's folder that no version of it ever referenced (left by a killed write).

    Commit files are kept (log retention is 30 days), so their `add` actions name every file
    any version ever had.
    """
    root = Path(settings.lake_root) / layer / name
    referenced: set[str] = set()
    for line in (
        json.loads(x) for f in sorted((root / "_delta_log").glob("*.json")) for x in f.read_text().splitlines()
    ):
        if "add" in line:
            referenced.add(line["add"]["path"])
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*.parquet") if "_delta_log" not in p.parts}
    from urllib.parse import unquote

    return sorted(f for f in on_disk if f not in {unquote(r) for r in referenced})


def group_alive(pgid: int, grace_s: float = 60.0) -> list[str]:
    """The processes of group `pgid` still alive after `grace_s` (zombies excluded): empty once a kill took them all.

    SIGKILL cannot be caught, but a big JVM takes a moment to be torn down after it.
    """
    deadline = time.monotonic() + grace_s
    while True:
        out = subprocess.run(["ps", "-eo", "pgid=,stat=,comm="], capture_output=True, text=True, check=True)
        alive = [
            line
            for line in out.stdout.splitlines()
            if line.split()[0] == str(pgid) and not line.split()[1].startswith("Z")
        ]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.5)
