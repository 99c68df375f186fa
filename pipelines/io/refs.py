"""Names of lake tables and the ways a table can be written: plain data, no Spark.

Specs (which Airflow parses) and the lake IO object (`pipelines.io.lake`) share these,
so a table reference or a write rule means the same thing at parse time and at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

LAYERS = ("bronze", "silver", "gold", "quarantine", "ops")


@dataclass(frozen=True)
class TableRef:
    """A lake table: `<layer>.<name>`, stored at `<lake_root>/<layer>/<name>`."""

    layer: str
    name: str

    def __post_init__(self) -> None:
        if self.layer not in LAYERS:
            raise ValueError(f"unknown layer {self.layer!r}; one of {LAYERS}")

    @classmethod
    def parse(cls, dotted: str, default_layer: str = "silver") -> TableRef:
        """`layer.name` (or `name`, in `default_layer`) as a reference."""
        layer, _, name = dotted.rpartition(".")
        return cls(layer or default_layer, name)

    def uri(self, lake_root: str) -> str:
        """Where the table lives under `lake_root` (as Spark addresses it)."""
        from pipelines.io.storage import join, spark_uri

        return spark_uri(join(lake_root, self.layer, self.name))

    def __str__(self) -> str:
        return f"{self.layer}.{self.name}"


@dataclass(frozen=True)
class ReplacePartitions:
    """Atomically replace the partitions `column IN values` (the table is created partitioned by `column`)."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class InsertNew:
    """Insert the rows whose `key` the table does not hold yet; stored rows never change (first writer wins)."""

    key: tuple[str, ...]


@dataclass(frozen=True)
class Overwrite:
    """Replace the whole (small) table."""


@dataclass(frozen=True)
class MergeLatest:
    """Upsert by `key`; per key the row with the greatest `order_by` wins (see `delta.merge_latest`)."""

    key: tuple[str, ...]
    order_by: tuple[str, ...]
    partition_by: str = ""


@dataclass(frozen=True)
class ReplaceDelivery:
    """Merge delivery `dt`'s rows so that they replace what an earlier delivery of `dt` left (ADR 0007).

    Stored rows of that delivery (`_dt = dt`) take the frame's row of their key whatever its
    version, and are deleted when the frame has none; other stored rows are replaced only by a
    newer frame row (`order_by`, then the later `_dt`, as `MergeLatest`); new keys are inserted.
    One MERGE, one commit (see `delta.merge_delivery`).

    Attributes:
        key: key columns; the frame holds at most one row per key.
        order_by: version columns compared lexicographically.
        dt: the delivery date whose earlier rows the frame replaces.
        partition_by: the table's partition column ("" = unpartitioned).
        partitions: values of `partition_by` holding stored rows of `dt` (the frame's own
            partitions are added); the MERGE is limited to them.
    """

    key: tuple[str, ...]
    order_by: tuple[str, ...]
    dt: str
    partition_by: str = ""
    partitions: tuple[str, ...] = ()


@dataclass(frozen=True)
class MergeHistory:
    """Type-2 history by `key`, versions ordered by `changed_at` (see `delta.merge_scd2`).

    With `dt`, the frame is delivery `dt` (plus other deliveries' copies of what it replaces):
    versions an earlier delivery of `dt` stored are dropped before the history is recomputed,
    so withdrawn versions disappear (ADR 0007).
    """

    key: tuple[str, ...]
    changed_at: str
    dt: str = ""


@dataclass(frozen=True)
class Upsert:
    """Matched rows by `key` are replaced, new rows inserted (operational records).

    With `partition_by`, the table is partitioned by it and the MERGE limited to the frame's
    partitions, so writers of different partitions never conflict.
    """

    key: tuple[str, ...]
    partition_by: str = ""


@dataclass(frozen=True)
class FillColumns:
    """Set `columns` on the rows already in the table that match a frame row on `match` (a backfill).

    Nothing is inserted or deleted: a frame row without a match is left out, a table row
    without one keeps its value.
    """

    match: tuple[str, ...]
    columns: tuple[str, ...]


WriteRule = (
    ReplacePartitions | Overwrite | MergeLatest | ReplaceDelivery | MergeHistory | Upsert | FillColumns | InsertNew
)


@dataclass(frozen=True)
class RenameColumn:
    """A declared migration: the table's column `old` is called `new` from now on (its values kept)."""

    old: str
    new: str


@dataclass(frozen=True)
class WidenColumn:
    """A declared migration: the table's column `column` takes the wider type `to` (e.g. int -> bigint)."""

    column: str
    to: str


Migration = RenameColumn | WidenColumn


@dataclass(frozen=True)
class Evolution:
    """What a write may change in an existing table's schema, and who asks (for `ops.schema_changes`).

    A column the frame has and the table lacks is always added (`ALTER TABLE … ADD COLUMNS`,
    recorded); `defaults` (column -> value as text, cast to the column's type) fill the rows
    the table already holds. A missing column or a changed type is refused unless
    `migrations` declares it.
    """

    run_id: str = ""
    dt: str = ""
    defaults: tuple[tuple[str, str], ...] = ()
    migrations: tuple[Migration, ...] = ()
