"""The lake's one IO object: every read, write, version and history of a table goes through `Lake`.

Steps name tables (`TableRef("silver", "tax_returns")`) and write rules
(`MergeLatest(...)`); only this object (with `pipelines.io.delta` beneath it) knows that a
table is a Delta folder under `settings.lake_root`, on a local disk or an object store, and
how each rule is carried out. The landing zone is reached through it too, so a step reads
as read → transforms → gate → write. Maintenance, SQL registration, lineage and a Spark
Connect session plug in here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pipelines.io import delta
from pipelines.io.refs import (
    Evolution,
    FillColumns,
    InsertNew,
    MergeHistory,
    MergeLatest,
    Overwrite,
    ReplaceDelivery,
    ReplacePartitions,
    TableRef,
    Upsert,
    WriteRule,
)
from pipelines.io.retry import Backoff, ConflictsExhausted, WriteStats, retrying
from pipelines.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.core.contract import FeedContract
    from pipelines.io.landing import Delivery
    from pipelines.io.maintenance import DataFile, LandingFolder, Stored

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lake:
    """The tables of one deployment, as one Spark session sees them.

    Args:
        spark: the session (built once at the entry point).
        settings: where the lake and the landing zone are.
        stats: conflicts and retries of this lake's writes so far (a step reads the difference).
    """

    spark: SparkSession
    settings: Settings
    stats: WriteStats = field(default_factory=WriteStats, compare=False, repr=False)

    @property
    def backoff(self) -> Backoff:
        """How often and how patiently a conflicting write is tried again (from the settings)."""
        return Backoff(attempts=self.settings.write_attempts, base_s=self.settings.write_backoff_ms / 1000)

    def uri(self, ref: TableRef) -> str:
        """Where `ref` is stored (for messages and independent readers)."""
        return ref.uri(self.settings.lake_root)

    def exists(self, ref: TableRef) -> bool:
        """True when the table has been written."""
        return delta.exists(self.spark, self.uri(ref))

    def read(self, ref: TableRef, dt: str | None = None, version: int | None = None) -> DataFrame:
        """The table's current snapshot (or the one of `version`); with `dt`, only the rows of that delivery date (`_dt`)."""
        from pyspark.sql import functions as F

        reader = self.spark.read.format("delta")
        frame = (reader if version is None else reader.option("versionAsOf", version)).load(self.uri(ref))
        return frame if dt is None else frame.where(F.col("_dt") == F.lit(dt).cast("date"))

    def version(self, ref: TableRef) -> int | None:
        """The table's current version (None when there is no table)."""
        return delta.version(self.spark, self.uri(ref))

    def history(self, ref: TableRef, limit: int | None = None) -> list[dict[str, Any]]:
        """The table's commits, newest first: version, timestamp, operation, metrics ([] without a table)."""
        return delta.history(self.spark, self.uri(ref), limit)

    def versions(self, refs: Sequence[TableRef]) -> dict[TableRef, int | None]:
        """The current version of each of `refs` (None for a table not written yet)."""
        return {ref: self.version(ref) for ref in refs}

    def write(self, ref: TableRef, frame: DataFrame, rule: WriteRule, evolution: Evolution | None = None) -> None:
        """Write `frame` to `ref` following `rule`, in one Delta commit; every rule is idempotent (a rerun changes nothing).

        Before writing to an existing table, its schema is brought to the frame's as `evolution`
        allows (`pipelines.io.evolve`: new columns added by `ALTER TABLE … ADD COLUMNS`, declared
        migrations applied, anything else refused) and each change is recorded in `ops.schema_changes`.

        A commit that conflicts with a concurrent writer (or loses the race to create the
        table) is tried again from the start, after an exponential backoff with jitter
        (`pipelines.io.retry`); `stats` counts the conflicts and retries.

        Raises:
            SchemaChangeRefused: a dropped or renamed column or a type change no migration declares
                (the table is untouched).
            ConflictsExhausted: still conflicting after `settings.write_attempts` tries.
        """
        retrying(lambda: self._apply(ref, frame, rule, evolution), str(ref), self.backoff, self.stats)

    def stable(self, sources: Sequence[TableRef], action: Callable[[], T], what: str) -> T:
        """Run `action` (which reads `sources`) until no source changed while it ran: an optimistic read.

        A step that rebuilds a table from others (gold from silver) may read a source just
        before a concurrent writer commits to it; its result, although committed whole, would
        then miss that commit. Comparing the sources' versions before and after catches it, and
        the step runs again on the newer snapshot (counted as a conflict and a retry).

        Raises:
            ConflictsExhausted: the sources kept changing for `settings.write_attempts` tries.
        """
        backoff = self.backoff
        attempt = 0
        while True:
            before = self.versions(sources)
            result = action()
            after = self.versions(sources)
            if after == before:
                return result
            self.stats.conflicts += 1
            moved = sorted(str(ref) for ref in sources if after[ref] != before[ref])
            if attempt + 1 >= backoff.attempts:
                raise ConflictsExhausted(f"{what}: sources {moved} kept changing for {backoff.attempts} tries")
            wait = backoff.delay(attempt)
            log.warning("%s: %s changed while it was built; building again in %.2f s", what, moved, wait)
            self.stats.retries += 1
            self.stats.waited_s += wait
            time.sleep(wait)
            attempt += 1

    def _apply(self, ref: TableRef, frame: DataFrame, rule: WriteRule, evolution: Evolution | None = None) -> None:
        """One try of `write` (a schema change it made is found made by the next try)."""
        uri = self.uri(ref)
        self._evolve(ref, uri, frame, rule, evolution or Evolution())
        match rule:
            case ReplacePartitions(column, values):
                delta.replace_partitions(self.spark, frame, uri, column, values)
            case Overwrite():
                delta.overwrite(frame, uri)
            case MergeLatest(key, order_by, partition_by):
                delta.merge_latest(self.spark, frame, uri, key, order_by, partition_by)
            case ReplaceDelivery(key, order_by, dt, partition_by, partitions):
                delta.merge_delivery(self.spark, frame, uri, key, order_by, dt, partition_by, partitions)
            case MergeHistory(key, changed_at, dt):
                delta.merge_scd2(self.spark, frame, uri, key, changed_at, dt)
            case Upsert(key, partition_by):
                delta.merge_keyed(self.spark, frame, uri, key, partition_by)
            case InsertNew(key):
                delta.insert_new(self.spark, frame, uri, key)
            case FillColumns(match_on, columns):
                delta.fill_columns(self.spark, frame, uri, match_on, columns)
            case _:
                raise TypeError(f"{ref}: unknown write rule {rule!r}")

    def _evolve(self, ref: TableRef, uri: str, frame: DataFrame, rule: WriteRule, evolution: Evolution) -> None:
        """Apply and record the schema changes the write needs (see `pipelines.io.evolve`)."""
        from datetime import UTC, datetime

        from pipelines.io import evolve

        if ref == evolve.SCHEMA_CHANGES:
            return
        changes = evolve.evolve(self.spark, uri, str(ref), frame, evolution, partial=isinstance(rule, FillColumns))
        if not changes:
            return
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = [
            {**asdict(c), "table": str(ref), "run_id": evolution.run_id, "dt": evolution.dt, "recorded_at": now}
            for c in changes
        ]
        self.write(
            evolve.SCHEMA_CHANGES,
            self.spark.createDataFrame(rows, evolve.SCHEMA_CHANGES_SCHEMA),
            Upsert(evolve.SCHEMA_CHANGES_KEY),
        )

    def schema_changes(self, ref: TableRef | None = None) -> list[dict[str, Any]]:
        """Recorded schema changes (of `ref`, or of every table), oldest first."""
        from pipelines.io import evolve

        if not self.exists(evolve.SCHEMA_CHANGES):
            return []
        rows = [r.asDict() for r in self.read(evolve.SCHEMA_CHANGES).collect()]
        rows = [r for r in rows if ref is None or r["table"] == str(ref)]
        return sorted(rows, key=lambda r: (r["recorded_at"], r["version_after"] or 0, r["column"]))

    def verify_delivery(self, contract: FeedContract, dt: str) -> Delivery:
        """Check the delivery of `contract`'s feed for `dt` against its manifest (see `landing.verify_delivery`)."""
        from pipelines.io.landing import verify_delivery
        from pipelines.io.storage import storage_for

        storage = storage_for(self.settings.landing_root, self.settings)
        return verify_delivery(storage, self.settings, contract, dt)

    def recheck_delivery(self, delivery: Delivery) -> None:
        """Raise `DeliveryRejected` when the delivery's folder changed since it was verified (see `landing`)."""
        from pipelines.io.landing import recheck_delivery
        from pipelines.io.storage import storage_for

        recheck_delivery(storage_for(self.settings.landing_root, self.settings), delivery)

    def first_unreadable_file(self, delivery: Delivery, contract: FeedContract) -> tuple[str, str] | None:
        """The first file of the delivery Spark cannot read, with why (None when all read)."""
        from pipelines.io.readers import first_unreadable_file

        return first_unreadable_file(self.spark, delivery, contract)

    def read_delivery(self, delivery: Delivery, contract: FeedContract) -> DataFrame:
        """The delivery's rows as bronze rows (see `readers.read_delivery`)."""
        from pipelines.io.readers import read_delivery

        return read_delivery(self.spark, delivery, contract)

    def delivery_folder(self, sector: str, feed: str, dt: str) -> str:
        """Where a feed's delivery of `dt` lands (for lineage and messages)."""
        from pipelines.io.landing import delivery_uri

        return delivery_uri(self.settings.landing_root, sector, feed, dt)

    def delivery_files(self, sector: str, feed: str, dt: str) -> list[str]:
        """Where the files a delivery's manifest lists are ([] without a manifest)."""
        import json

        from pipelines.io.landing import MANIFEST
        from pipelines.io.storage import join, storage_for

        folder = self.delivery_folder(sector, feed, dt)
        storage = storage_for(self.settings.landing_root, self.settings)
        if not storage.exists(join(folder, MANIFEST)):
            return []
        return [join(folder, f["name"]) for f in json.loads(storage.read_bytes(join(folder, MANIFEST)))["files"]]

    # Maintenance: `pipelines.maintenance` decides what to keep, `pipelines.io.maintenance` does it.

    def detail(self, ref: TableRef) -> dict[str, Any]:
        """The table's detail: numFiles, sizeInBytes, partitionColumns, properties, … (see `maintenance.detail`)."""
        from pipelines.io import maintenance

        return maintenance.detail(self.spark, self.uri(ref))

    def files(self, ref: TableRef) -> list[DataFile]:
        """The data files the table's current snapshot reads (path, bytes, partition values)."""
        from pipelines.io import maintenance

        return maintenance.files(self.settings, self.uri(ref))

    def stored(self, ref: TableRef, log: bool = False) -> Stored:
        """Files and bytes stored for the table: data files of every kept version (with `log`: its log)."""
        from pipelines.io import maintenance

        return maintenance.stored(self.settings, self.uri(ref), log)

    def tables(self, layer: str) -> list[TableRef]:
        """The tables stored in `layer`."""
        from pipelines.io import maintenance
        from pipelines.io.storage import join

        return [TableRef(layer, n) for n in maintenance.tables(self.settings, join(self.settings.lake_root, layer))]

    def optimize(
        self,
        ref: TableRef,
        partitions: list[tuple[tuple[str, str | None], ...]] | None = None,
        zorder_by: tuple[str, ...] = (),
    ) -> dict[str, int]:
        """Compact small files (of `partitions` only, when given), Z-ordered by `zorder_by` when given."""
        from pipelines.io import maintenance

        where = maintenance.partition_predicate(partitions) if partitions else None
        return maintenance.optimize(self.spark, self.uri(ref), where, zorder_by)

    def vacuum(self, ref: TableRef, retain_hours: float, dry_run: bool = False) -> list[str]:
        """Delete files no version of the last `retain_hours` needs (dry run: list them; see `maintenance.vacuum`)."""
        from pipelines.io import maintenance

        return maintenance.vacuum(self.spark, self.uri(ref), retain_hours, dry_run)

    def set_properties(self, ref: TableRef, properties: dict[str, str]) -> dict[str, str]:
        """Set table properties that differ (one commit, or none); returns those changed."""
        from pipelines.io import maintenance

        return maintenance.set_properties(self.spark, self.uri(ref), properties)

    def checkpoint(self, ref: TableRef) -> bool:
        """Checkpoint the table and delete log files past its log retention (False: left to Delta)."""
        from pipelines.io import maintenance

        return maintenance.checkpoint(self.spark, self.uri(ref))

    def landing_folders(self, sector: str, feed: str) -> list[LandingFolder]:
        """The delivery folders of a feed in the landing zone, oldest first."""
        from pipelines.io import maintenance

        return maintenance.landing_folders(self.settings, sector, feed)

    def delete_landing_folder(self, folder: LandingFolder) -> None:
        """Remove a delivery folder from the landing zone."""
        from pipelines.io import maintenance

        maintenance.delete_folder(self.settings, folder.uri)
