"""Delta Lake writes: partition replacement, latest-version MERGE, table versions.

Every write is idempotent: re-running a step replaces what it wrote before instead of
appending it again, so an Airflow retry never duplicates rows. A delivery's MERGE
(`merge_delivery`, `merge_scd2` with `dt`) also replaces what an earlier delivery of the
same date wrote, deleting what it no longer carries, in the same commit (ADR 0007).

Every MERGE is SQL (`MERGE INTO delta.`…` USING <temporary view>`): the one form Delta offers
over Spark Connect as well as in-process (its Python `DeltaTable` API needs Delta's Connect
plugin on the server, which is not published), so one code path serves both.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F


def sql_path(uri: str) -> str:
    """`uri` as a Delta SQL table identifier: delta.`<uri>`."""
    return "delta.`" + uri.replace("`", "``") + "`"


_path = sql_path


def exists(spark: SparkSession, uri: str) -> bool:
    """True when a Delta table is at `uri`.

    Asked in SQL (`DESCRIBE DETAIL`), which a Spark Connect session answers too; the Python
    `DeltaTable` API needs Delta's Connect plugin on the server, which is not published.
    """
    from pyspark.errors import AnalysisException

    try:
        detail = spark.sql(f"DESCRIBE DETAIL {_path(uri)}").select("format").first()
    except AnalysisException:
        return False
    return detail is not None and detail["format"] == "delta"


def version(spark: SparkSession, uri: str) -> int | None:
    """The table's current version (None when there is no table)."""
    latest = history(spark, uri, limit=1)
    return int(latest[0]["version"]) if latest else None


def insert_new(spark: SparkSession, frame: DataFrame, uri: str, key: Sequence[str]) -> None:
    """Insert the rows of `frame` whose `key` is not in the table; stored rows are never changed.

    Of two writers racing with different rows for one key, the first to commit wins: the
    other's MERGE conflicts, is retried, and then finds the key taken.
    """
    if not exists(spark, uri):
        frame.write.format("delta").save(uri)
        return
    on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in key)
    _merge(spark, uri, frame, on, "WHEN NOT MATCHED THEN INSERT *")


def round_trip(spark: SparkSession, uri: str, rows: int) -> int:
    """Write `rows` rows to a new Delta table at `uri` and count them back (a set-up check)."""
    spark.range(rows).write.format("delta").save(uri)
    return spark.read.format("delta").load(uri).count()


def history(spark: SparkSession, uri: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The table's commits, newest first ([] when there is no table)."""
    if not exists(spark, uri):
        return []
    frame = spark.sql(f"DESCRIBE HISTORY {_path(uri)}" + (f" LIMIT {int(limit)}" if limit else ""))
    return [r.asDict(recursive=True) for r in frame.collect()]


DELETED = "__deleted"
"""Marks a MERGE source row that stands for a stored row to delete (it carries only the key)."""


def _in(column: str, values: Sequence[object]) -> str:
    literals = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
    return f"`{column}` IN ({literals})"


def _of_delivery(dt: str, alias: str = "") -> str:
    """SQL: the row came from delivery `dt` (its `_dt`)."""
    return f"{alias}`_dt` = DATE'{date.fromisoformat(dt).isoformat()}'"


def _newer(order_by: Sequence[str]) -> str:
    """SQL: source row `s` is a newer version than target row `t` (order_by lexicographically; ties to the later delivery)."""
    newer = " OR ".join(
        " AND ".join([f"s.`{o}` = t.`{o}`" for o in order_by[:i]] + [f"s.`{order_by[i]}` > t.`{order_by[i]}`"])
        for i in range(len(order_by))
    )
    same = " AND ".join(f"s.`{o}` <=> t.`{o}`" for o in order_by)
    return f"({newer}) OR ({same} AND s._dt >= t._dt)"


def _merge(spark: SparkSession, uri: str, source: DataFrame, on: str, *clauses: str) -> None:
    """`MERGE INTO` the table at `uri` (alias `t`) from `source` (alias `s`, a temporary view) `ON on`, then `clauses`."""
    view = f"merge_source_{uuid.uuid4().hex}"
    source.createOrReplaceTempView(view)
    try:
        spark.sql(f"MERGE INTO {_path(uri)} AS t USING {view} AS s ON {on} {' '.join(clauses)}")
    finally:
        spark.catalog.dropTempView(view)


def _merge_replacing(
    spark: SparkSession, uri: str, rows: DataFrame, gone: DataFrame, on: str, update_when: str = ""
) -> None:
    """One MERGE: upsert `rows` (matched ones only where `update_when`, "" = always) and delete the
    table's rows that `gone` (their keys, marked in the source) names."""
    source = rows.withColumn(DELETED, F.lit(False)).unionByName(
        gone.withColumn(DELETED, F.lit(True)), allowMissingColumns=True
    )
    columns = _columns(spark, uri)
    update = f"WHEN MATCHED AND ({update_when}) THEN" if update_when else "WHEN MATCHED THEN"
    _merge(
        spark,
        uri,
        source,
        on,
        f"WHEN MATCHED AND s.{DELETED} THEN DELETE",
        f"{update} {_update(columns)}",
        f"WHEN NOT MATCHED AND NOT s.{DELETED} THEN {_insert(columns)}",
    )


def _update(columns: dict[str, str]) -> str:
    """`UPDATE SET` of `target column -> source expression`."""
    return "UPDATE SET " + ", ".join(f"{t} = {v}" for t, v in columns.items())


def _insert(columns: dict[str, str]) -> str:
    """`INSERT (…) VALUES (…)` of `target column -> source expression`."""
    return f"INSERT ({', '.join(columns)}) VALUES ({', '.join(columns.values())})"


def _columns(spark: SparkSession, uri: str) -> dict[str, str]:
    """`target column -> s.column` for every column of the table (explicit, so a source may carry markers)."""
    return {f"`{c}`": f"s.`{c}`" for c in spark.read.format("delta").load(uri).columns}


def _partition_values(frame: DataFrame, column: str) -> set[str]:
    return {str(r[0]) for r in frame.select(column).distinct().collect()}


def replace_partitions(
    spark: SparkSession, frame: DataFrame, uri: str, partition_by: str, values: Sequence[object]
) -> None:
    """Atomically replace the partitions `partition_by IN values` with `frame`.

    Creates the table, partitioned by `partition_by`, when it does not exist. The creating
    write replaces only `values` too: a writer that finds the table missing and another
    that creates it meanwhile (two first runs of different dates) must not erase each other.
    """
    writer = frame.write.format("delta").mode("overwrite")
    if not exists(spark, uri):
        creating = writer.option("replaceWhere", _in(partition_by, values)) if values else writer
        creating.partitionBy(partition_by).save(uri)
        return
    if not values:
        return
    writer.option("replaceWhere", _in(partition_by, values)).save(uri)


def overwrite(frame: DataFrame, uri: str) -> None:
    """Replace a whole (small) table."""
    frame.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(uri)


def merge_latest(
    spark: SparkSession,
    frame: DataFrame,
    uri: str,
    key: Sequence[str],
    order_by: Sequence[str],
    partition_by: str,
) -> None:
    """Upsert `frame` so that, per key, the row with the greatest `order_by` wins.

    Ties on `order_by` go to the row of the same or a later delivery (`_dt`), so a
    corrected re-delivery replaces its earlier self and a rerun changes nothing.
    The merge is limited to the partitions present in `frame` (partition pruning).

    Args:
        spark: the session.
        frame: candidate rows, at most one per key.
        uri: the target table.
        key: key columns.
        order_by: version columns compared lexicographically (e.g. `version`, `updated_at`).
        partition_by: the target's partition column (must not change for a key); "" for an
            unpartitioned table (the merge then scans the whole target).
    """
    if not exists(spark, uri):
        writer = frame.write.format("delta")
        (writer.partitionBy(partition_by) if partition_by else writer).save(uri)
        return
    prune = "TRUE"
    if partition_by:
        parts = sorted(_partition_values(frame, partition_by))
        if not parts:
            return
        prune = f"t.{_in(partition_by, parts)}"
    on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in key)
    _merge(
        spark,
        uri,
        frame,
        f"{prune} AND {on}",
        f"WHEN MATCHED AND ({_newer(order_by)}) THEN UPDATE SET *",
        "WHEN NOT MATCHED THEN INSERT *",
    )


def merge_delivery(
    spark: SparkSession,
    frame: DataFrame,
    uri: str,
    key: Sequence[str],
    order_by: Sequence[str],
    dt: str,
    partition_by: str,
    partitions: Sequence[str] = (),
) -> None:
    """Merge delivery `dt`'s rows so that they replace what an earlier delivery of `dt` left.

    In one MERGE (one commit): a stored row of delivery `dt` takes the frame's row of its
    key whatever the versions (the frame's row is the winner recomputed without it), or is
    deleted when the frame has no row of its key; any other stored row is replaced only by a
    newer frame row (as `merge_latest`); new keys are inserted. The source carries a delete
    marker (`DELETED`) for each stored key of `dt` that the frame no longer has.

    Args:
        spark: the session.
        frame: candidate rows, at most one per key.
        uri: the target table.
        key: key columns.
        order_by: version columns compared lexicographically.
        dt: the delivery date (`_dt`) whose earlier rows are replaced.
        partition_by: the target's partition column ("" = unpartitioned: the MERGE scans it whole).
        partitions: partitions holding stored rows of `dt`; with the frame's own, the MERGE is
            limited to them (partition pruning).
    """
    if not exists(spark, uri):
        writer = frame.write.format("delta")
        (writer.partitionBy(partition_by) if partition_by else writer).save(uri)
        return
    stored, prune = spark.read.format("delta").load(uri), "TRUE"
    if partition_by:
        parts = sorted(set(partitions) | _partition_values(frame, partition_by))
        if not parts:
            return
        stored, prune = stored.where(_in(partition_by, parts)), f"t.{_in(partition_by, parts)}"
    left = stored.where(_of_delivery(dt)).select(*key, *([partition_by] if partition_by else []))
    gone = left.join(frame.select(*key), on=list(key), how="left_anti")
    on = " AND ".join([prune, *(f"t.`{k}` <=> s.`{k}`" for k in key)])
    _merge_replacing(spark, uri, frame, gone, on, f"{_of_delivery(dt, 't.')} OR {_newer(order_by)}")


def merge_keyed(spark: SparkSession, frame: DataFrame, uri: str, key: Sequence[str], partition_by: str = "") -> None:
    """Upsert `frame` by `key`: matched rows are replaced, new rows inserted.

    With `partition_by`, the table is created partitioned by it and the MERGE reads only the
    frame's partitions, so concurrent writers of different partitions do not conflict.
    """
    if not exists(spark, uri):
        writer = frame.write.format("delta")
        (writer.partitionBy(partition_by) if partition_by else writer).save(uri)
        return
    on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in key)
    if partition_by:
        parts = sorted(_partition_values(frame, partition_by))
        if not parts:
            return
        on = f"t.{_in(partition_by, parts)} AND {on}"
    _merge(spark, uri, frame, on, "WHEN MATCHED THEN UPDATE SET *", "WHEN NOT MATCHED THEN INSERT *")


def merge_scd2(
    spark: SparkSession, changes: DataFrame, uri: str, key: Sequence[str], changed_at: str, dt: str = ""
) -> None:
    """Keep type-2 history: every change opens a version `[valid_from, valid_to)`.

    The history of each key in `changes` is recomputed from its stored versions plus the
    new changes (so late or replayed changes land in order), then upserted by
    `(key, valid_from)`. A change already stored (same key and time) replaces itself,
    so a rerun is a no-op.

    With `dt`, `changes` is delivery `dt` (plus other deliveries' copies of the versions it
    stored before): the stored versions of `dt` are dropped before the recomputation and the
    slots that no longer exist are deleted, in the same MERGE, so a corrected re-delivery
    replaces its earlier self (ADR 0007).

    Args:
        spark: the session.
        changes: change rows (any number per key) with the `changed_at` column.
        uri: the target table.
        key: the entity key.
        changed_at: the change-time column that orders versions.
        dt: the delivery date whose earlier versions `changes` replaces ("" = add only).
    """
    from pyspark.sql import Window

    scd = ("valid_from", "valid_to", "is_current")
    combined = changes.withColumn("__incoming", F.lit(True))
    stored = None
    if exists(spark, uri):
        table = spark.read.format("delta").load(uri)
        touched = changes.select(*key)
        if dt:
            touched = touched.unionByName(table.where(_of_delivery(dt)).select(*key))
        stored = table.join(touched.distinct(), on=list(key), how="left_semi")
        kept = stored.where(f"NOT ({_of_delivery(dt)})") if dt else stored
        combined = kept.drop(*scd).withColumn("__incoming", F.lit(False)).unionByName(combined)
    # Two copies of one version: the later delivery wins; on the same delivery date (a
    # re-delivery or a rerun) the incoming copy replaces the stored one.
    latest_copy = Window.partitionBy(*key, changed_at).orderBy(
        F.col("_dt").desc(), F.col("__incoming").desc(), F.col("_source_file").desc(), F.col("_row_no").desc()
    )
    order = Window.partitionBy(*key).orderBy(changed_at)
    history = (
        combined.withColumn("__copy", F.row_number().over(latest_copy))
        .where("__copy = 1")
        .drop("__copy", "__incoming")
        .withColumn("valid_from", F.col(changed_at))
        .withColumn("valid_to", F.lead(changed_at).over(order))
        .withColumn("is_current", F.col("valid_to").isNull())
    )
    if stored is None:
        history.write.format("delta").save(uri)
        return
    slot = [*key, "valid_from"]
    on = " AND ".join([f"t.`{k}` <=> s.`{k}`" for k in key] + ["t.valid_from = s.valid_from"])
    if not dt:
        _merge(spark, uri, history, on, "WHEN MATCHED THEN UPDATE SET *", "WHEN NOT MATCHED THEN INSERT *")
        return
    gone = stored.select(*slot).join(history.select(*slot), on=slot, how="left_anti")
    _merge_replacing(spark, uri, history, gone, on)


def partition_columns(spark: SparkSession, uri: str) -> list[str]:
    """The table's partition columns (asked in SQL, as `exists` is)."""
    detail = spark.sql(f"DESCRIBE DETAIL {_path(uri)}").select("partitionColumns").first()
    return list(detail["partitionColumns"]) if detail is not None else []


def rewrite_columns(spark: SparkSession, uri: str, renames: dict[str, str], casts: dict[str, str]) -> None:
    """Rewrite the whole table in one commit with columns renamed (`old -> new`) and cast (`new name -> type`).

    Same rows, same column order and partitioning (a renamed partition column partitions it under its new name).
    """
    current = spark.read.format("delta").load(uri)
    parts = [renames.get(c, c) for c in partition_columns(spark, uri)]
    projected = []
    for c in current.columns:
        name = renames.get(c, c)
        value = F.col(f"`{c}`")
        projected.append((value.cast(casts[name]) if name in casts else value).alias(name))
    writer = current.select(*projected).write.format("delta").mode("overwrite").option("overwriteSchema", "true")
    (writer.partitionBy(*parts) if parts else writer).save(uri)


def fill_columns(spark: SparkSession, frame: DataFrame, uri: str, match: Sequence[str], columns: Sequence[str]) -> None:
    """Set `columns` of the table's rows that match a row of `frame` on `match`; insert and delete nothing.

    `frame` must hold at most one row per `match` value (a MERGE refuses two source rows for one target row).
    """
    on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in match)
    _merge(spark, uri, frame, on, f"WHEN MATCHED THEN {_update({f'`{c}`': f's.`{c}`' for c in columns})}")
