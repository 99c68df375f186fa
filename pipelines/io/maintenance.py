"""Delta table maintenance primitives: compaction, Z-ordering, VACUUM, table properties, checkpoints, listings.

They sit beneath `Lake` (`pipelines.io.lake`): the maintenance policy (`pipelines.maintenance`)
decides *what* to keep, these functions carry it out. Delta commands are issued in SQL, so a
Spark Connect session runs them too (only the forced checkpoint needs a classic session).
Listings of the files a snapshot references and of what is stored read the Delta log with
delta-rs and the store with pyarrow, without Spark.

VACUUM never names a retention of its own: the policy's retention is declared on the table
(`delta.deletedFileRetentionDuration`, see `retention_properties`) and VACUUM uses it. Delta's
safety check (`spark.databricks.delta.retentionDurationCheck.enabled`) stays on: it refuses any
`VACUUM … RETAIN n HOURS` shorter than what the table declares, and Delta refuses time travel
to versions older than it, so a table's promise is stated once, on the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipelines.io.objectstore import object_store
from pipelines.io.storage import is_remote
from pipelines.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

RETENTION = "delta.deletedFileRetentionDuration"
LOG_RETENTION = "delta.logRetentionDuration"
CHECKPOINT_INTERVAL = "delta.checkpointInterval"


@dataclass(frozen=True)
class DataFile:
    """A data file of a table's current snapshot."""

    path: str
    bytes: int
    partition: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class Stored:
    """What a folder holds on the store: files and bytes."""

    files: int
    bytes: int


def _sql_name(uri: str) -> str:
    """`uri` as a Delta SQL table identifier: delta.`<uri>`."""
    return "delta.`" + uri.replace("`", "``") + "`"


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def interval(hours: float) -> str:
    """A Delta interval property value for `hours` (whole hours when it is, else seconds)."""
    seconds = max(0, round(hours * 3600))
    return f"interval {seconds // 3600} hours" if seconds % 3600 == 0 else f"interval {seconds} seconds"


def retention_properties(retain_hours: float, checkpoint_interval: int) -> dict[str, str]:
    """The table properties that state a retention: files of removed versions, the log, checkpoints.

    The log is kept as long as the files (a version is only readable with both), and
    `delta.logRetentionDuration` is what Delta's log clean-up at a checkpoint obeys.
    """
    return {
        RETENTION: interval(retain_hours),
        LOG_RETENTION: interval(retain_hours),
        CHECKPOINT_INTERVAL: str(checkpoint_interval),
    }


def detail(spark: SparkSession, uri: str) -> dict[str, Any]:
    """`DESCRIBE DETAIL`: numFiles, sizeInBytes, partitionColumns, clusteringColumns, properties, …"""
    row = spark.sql(f"DESCRIBE DETAIL {_sql_name(uri)}").first()
    return row.asDict(recursive=True) if row is not None else {}


def set_properties(spark: SparkSession, uri: str, wanted: dict[str, str]) -> dict[str, str]:
    """Set the table properties in `wanted` that differ from the table's (one commit, or none).

    Returns:
        The properties that were changed, with their new values.
    """
    current = detail(spark, uri).get("properties") or {}
    changed = {k: v for k, v in wanted.items() if current.get(k) != v}
    if changed:
        assignments = ", ".join(f"{_literal(k)} = {_literal(v)}" for k, v in sorted(changed.items()))
        spark.sql(f"ALTER TABLE {_sql_name(uri)} SET TBLPROPERTIES ({assignments})")
    return changed


def optimize(
    spark: SparkSession, uri: str, where: str | None = None, zorder_by: tuple[str, ...] = ()
) -> dict[str, int]:
    """Compact small files (`OPTIMIZE`), Z-ordered by `zorder_by` when given, limited to `where` (partitions).

    Returns:
        files_added, files_removed, bytes_added, bytes_removed, partitions (optimized).
    """
    statement = f"OPTIMIZE {_sql_name(uri)}"
    if where:
        statement += f" WHERE {where}"
    if zorder_by:
        statement += " ZORDER BY (" + ", ".join(f"`{c}`" for c in zorder_by) + ")"
    row = spark.sql(statement).first()
    metrics = row["metrics"].asDict(recursive=True) if row is not None else {}
    return {
        "files_added": int(metrics.get("numFilesAdded") or 0),
        "files_removed": int(metrics.get("numFilesRemoved") or 0),
        "bytes_added": int((metrics.get("filesAdded") or {}).get("totalSize") or 0),
        "bytes_removed": int((metrics.get("filesRemoved") or {}).get("totalSize") or 0),
        "partitions": int(metrics.get("partitionsOptimized") or 0),
    }


def vacuum(spark: SparkSession, uri: str, retain_hours: float, dry_run: bool = False) -> list[str]:
    """Delete files that no version younger than `retain_hours` needs (and stray files that old).

    The retention is first declared on the table (`delta.deletedFileRetentionDuration`, with
    the log retention), then VACUUM runs without a `RETAIN` clause, so it uses exactly that
    declaration and Delta's safety check has nothing to refuse. A dry run declares nothing: it
    lists the files VACUUM would delete under `retain_hours`, or under the retention the table
    declares now when `retain_hours` is shorter (Delta refuses a shorter explicit retention).

    Returns:
        A dry run: the files that would be deleted; a real one: [] (compare `stored` before and after).
    """
    name = _sql_name(uri)
    if not dry_run:
        set_properties(spark, uri, {RETENTION: interval(retain_hours), LOG_RETENTION: interval(retain_hours)})
        spark.sql(f"VACUUM {name}").collect()
        return []
    from pyspark.errors import IllegalArgumentException

    try:
        rows = spark.sql(f"VACUUM {name} RETAIN {math.ceil(retain_hours)} HOURS DRY RUN").collect()
    except IllegalArgumentException:  # shorter than the table declares now: list under the declaration
        rows = spark.sql(f"VACUUM {name} DRY RUN").collect()
    return [str(r[0]) for r in rows]


def checkpoint(spark: SparkSession, uri: str) -> bool:
    """Write a checkpoint of the current version and delete log files past `delta.logRetentionDuration`.

    Delta does this by itself every `delta.checkpointInterval` commits; a weekly checkpoint
    makes the clean-up happen on schedule (the log before a checkpoint older than the log
    retention is deleted). Only a classic session reaches Delta's log API.

    Returns:
        False when the session cannot (Spark Connect): Delta then cleans up at its next checkpoint.
    """
    jvm = getattr(spark, "_jvm", None)
    if jvm is None:
        return False
    none = jvm.scala.Option.empty()
    log = jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, uri)  # type: ignore[attr-defined]
    log.checkpointAndCleanUpDeltaLog(log.update(False, none, none), none)
    return True


def _delta_rs_uri(uri: str) -> str:
    return "s3://" + uri[len("s3a://") :] if uri.startswith("s3a://") else uri


def files(settings: Settings, uri: str) -> list[DataFile]:
    """The data files of the table's current snapshot (from the Delta log, read by delta-rs)."""
    import pyarrow as pa
    from deltalake import DeltaTable

    table = DeltaTable(_delta_rs_uri(uri), storage_options=object_store(settings).delta_rs_options())
    actions = pa.table(table.get_add_actions(flatten=True))
    parts = [c for c in actions.column_names if c.startswith("partition.")]
    return [
        DataFile(row["path"], int(row["size_bytes"]), tuple((c[len("partition.") :], row[c]) for c in parts))
        for row in actions.select(["path", "size_bytes", *parts]).to_pylist()
    ]


def _filesystem(settings: Settings, uri: str) -> tuple[Any, str]:
    from pyarrow import fs

    if is_remote(uri):
        return object_store(settings).arrow_filesystem(), uri.split("://", 1)[1]
    return fs.LocalFileSystem(), uri


def stored(settings: Settings, uri: str, log: bool = False) -> Stored:
    """Files and bytes stored under a table: its data files (or, with `log`, its `_delta_log`)."""
    from pyarrow import fs

    filesystem, path = _filesystem(settings, uri)
    base = path.rstrip("/")
    root = f"{base}/_delta_log" if log else base
    if filesystem.get_file_info(root).type == fs.FileType.NotFound:
        return Stored(0, 0)
    infos = filesystem.get_file_info(fs.FileSelector(root, recursive=True))
    chosen = [
        i
        for i in infos
        if i.type == fs.FileType.File
        and (log or not i.path[len(base) + 1 :].startswith("_delta_log/"))
        and not i.base_name.startswith(".")
    ]
    return Stored(len(chosen), sum(i.size or 0 for i in chosen))


def tables(settings: Settings, root: str) -> list[str]:
    """Names of the folders under `root` that hold a Delta log (the tables of one layer)."""
    from pyarrow import fs

    filesystem, path = _filesystem(settings, root)
    if filesystem.get_file_info(path).type == fs.FileType.NotFound:
        return []
    names = [i.base_name for i in filesystem.get_file_info(fs.FileSelector(path)) if i.type == fs.FileType.Directory]
    return sorted(n for n in names if filesystem.get_file_info(f"{path}/{n}/_delta_log").type == fs.FileType.Directory)


def partition_predicate(partitions: list[tuple[tuple[str, str | None], ...]]) -> str:
    """A SQL predicate selecting exactly these partitions (each a tuple of (column, value))."""

    def one(values: tuple[tuple[str, str | None], ...]) -> str:
        terms = [f"`{c}` IS NULL" if v is None else f"`{c}` = {_literal(v)}" for c, v in values]
        return "(" + " AND ".join(terms) + ")"

    return " OR ".join(one(p) for p in partitions)


@dataclass(frozen=True)
class LandingFolder:
    """A delivery folder of the landing zone: its date, where it is, what it holds.

    `batch_id` is the id bronze stamps on the delivery's rows (`_batch_id`), None when the
    folder has no manifest (a delivery still being written, or abandoned).
    """

    sector: str
    feed: str
    dt: str
    uri: str
    batch_id: str | None
    files: int
    bytes: int


def folder_size(settings: Settings, uri: str) -> Stored:
    """Files and bytes under a folder (any store)."""
    from pyarrow import fs

    filesystem, path = _filesystem(settings, uri)
    if filesystem.get_file_info(path).type == fs.FileType.NotFound:
        return Stored(0, 0)
    infos = [i for i in filesystem.get_file_info(fs.FileSelector(path, recursive=True)) if i.type == fs.FileType.File]
    return Stored(len(infos), sum(i.size or 0 for i in infos))


def landing_folders(settings: Settings, sector: str, feed: str) -> list[LandingFolder]:
    """The delivery folders of one feed (`<landing>/<sector>/<feed>/dt=<date>`), oldest first."""
    import json

    from pipelines.io.landing import MANIFEST, Delivery
    from pipelines.io.storage import join, storage_for

    storage = storage_for(settings.landing_root, settings)
    found = []
    for uri in storage.list_dirs(join(settings.landing_root, sector, feed)):
        name = uri.rstrip("/").rsplit("/", 1)[-1]
        if not name.startswith("dt="):
            continue
        manifest_uri = join(uri, MANIFEST)
        batch_id = None
        if storage.exists(manifest_uri):
            manifest = json.loads(storage.read_bytes(manifest_uri))
            batch_id = Delivery(sector, feed, name[3:], uri, manifest).batch_id
        size = folder_size(settings, uri)
        found.append(LandingFolder(sector, feed, name[3:], uri, batch_id, size.files, size.bytes))
    return sorted(found, key=lambda f: f.dt)


def delete_folder(settings: Settings, uri: str) -> None:
    """Remove a landing folder and everything in it."""
    from pipelines.io.storage import storage_for

    storage_for(uri, settings).delete_tree(uri)
