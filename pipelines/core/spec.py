"""Table specs: the declarations a data engineer writes; DAGs and run order derive from them.

Specs import nothing heavy: transforms are named by import path (`module:function`)
and resolved when a step runs, so Airflow parses DAGs without importing Spark; a fast
test (`tests/pipelines/core/test_specs.py`) resolves every one of them, and every source,
contract and suite, so a typo fails the tests, not a run. Modes are enums.

A sector declares its feeds (contracts in `schemas/feeds/`), its silver tables (one per
feed: a pure transform plus a merge rule) and its gold tables (a pure build over silver
tables plus the partition column that makes them incremental). Nothing else is needed
for the runner, the CLI and the Airflow DAG factory to handle a new table.

The declarations are data, beside the feed contracts: `schemas/tables/<sector>.yaml` names
every table of a sector with its build and its data-sharing directory entry, and
`load_sector` turns it into these typed, checked objects (ADR 0010). The transforms stay
Python, in `pipelines/<sector>/silver.py` and `gold.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from importlib import import_module
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import yaml

from pipelines.core.contract import FeedContract, load_contract
from pipelines.io.refs import (
    Evolution,
    MergeHistory,
    MergeLatest,
    Migration,
    Overwrite,
    RenameColumn,
    ReplaceDelivery,
    TableRef,
    WidenColumn,
    WriteRule,
)

SHARING = ("open", "conditional", "restricted")
TABLES_DIR: Traversable = files("pipelines.tables")  # schemas/tables/ in the source tree
TIME_TRAVEL_DAYS = 7
"""How far back a silver or gold table can be read as of a version or time, unless its entry says."""


def resolve(path: str) -> Any:
    """The object named `package.module:attribute`."""
    module, _, attribute = path.partition(":")
    return getattr(import_module(module), attribute)


@dataclass(frozen=True)
class Catalog:
    """Data-sharing directory entry of a table.

    `retention_days` is how long the table's data is kept (for a silver table also its feed's
    raw data: bronze and quarantine history); `time_travel_days` how long earlier versions of
    the table stay readable (`versionAsOf`); weekly maintenance vacuums within both.
    """

    owner: str
    description: str
    description_zh: str = ""
    sharing: str = "conditional"
    pii_columns: tuple[str, ...] = ()
    update_frequency: str = "daily"
    retention_days: int | None = None
    time_travel_days: int = TIME_TRAVEL_DAYS

    def __post_init__(self) -> None:
        if self.time_travel_days < 0:
            raise ValueError(f"time_travel_days must be >= 0, not {self.time_travel_days}")
        if self.sharing not in SHARING:
            raise ValueError(f"sharing must be one of {SHARING}, not {self.sharing!r}")


@dataclass(frozen=True)
class FeedSpec:
    """A delivered feed: lands in `bronze.<sector>_<feed>`, rejects in `quarantine.<sector>_<feed>`."""

    sector: str
    feed: str

    @property
    def contract(self) -> FeedContract:
        """The feed's contract."""
        return load_contract(self.sector, self.feed)

    @property
    def table(self) -> str:
        """`<sector>_<feed>`."""
        return f"{self.sector}_{self.feed}"


class WriteMode(StrEnum):
    """How a silver table takes a delivery's rows."""

    MERGE_LATEST = "merge_latest"  # Delta MERGE, the latest version wins per key
    SCD2 = "scd2"  # type-2 history: valid_from, valid_to, is_current
    SNAPSHOT = "snapshot"  # a register delivered whole: the table becomes the latest delivery


class GoldMode(StrEnum):
    """How a gold table is rebuilt for a date."""

    TOUCHED = "touched"  # the partitions whose source rows the date's deliveries changed
    AS_OF = "as_of"  # the date's snapshot, from whole sources


def parse_migrations(entries: Any, owner: str) -> tuple[Migration, ...]:
    """`[{rename: old, to: new}, {widen: column, to: type}]` (a table declaration's `migrations`) as migrations.

    Raises:
        ValueError: naming the table, for an entry of neither form.
    """
    migrations: list[Migration] = []
    for entry in entries or ():
        if isinstance(entry, RenameColumn | WidenColumn):
            migrations.append(entry)
        elif isinstance(entry, dict) and set(entry) == {"rename", "to"}:
            migrations.append(RenameColumn(str(entry["rename"]), str(entry["to"])))
        elif isinstance(entry, dict) and set(entry) == {"widen", "to"}:
            migrations.append(WidenColumn(str(entry["widen"]), str(entry["to"])))
        else:
            raise ValueError(
                f"{owner}: a migration is {{rename: <old>, to: <new>}} or {{widen: <column>, to: <type>}}, not {entry!r}"
            )
    return tuple(migrations)


WRITE_MODES = tuple(m.value for m in WriteMode)
GOLD_MODES = tuple(m.value for m in GoldMode)


def _enum(kind: type[StrEnum], value: Any, owner: str, field_name: str) -> Any:
    """`value` as a member of `kind`, or a ValueError naming the table, the field and the choices."""
    try:
        return kind(value)
    except ValueError:
        choices = tuple(m.value for m in kind)  # type: ignore[attr-defined]
        raise ValueError(f"{owner}: {field_name} must be one of {choices}, not {value!r}") from None


@dataclass(frozen=True)
class SilverSpec:
    """A silver table fed by one feed.

    Attributes:
        name: table name (`silver.<name>`).
        feed: the feed it is built from.
        transform: `module:function` of the pure transform applied to the feed's valid,
            typed rows (personal data still in clear: derive birth year, plate province…
            here; the step then replaces every PII column of the contract by a token).
        key: the business key.
        catalog: directory entry.
        order_by: version columns; the greatest wins per key (`scd2`: the change time); by
            default the delivery date (`_dt`): the latest delivery wins.
        partition_by: partition column, derived by `transform` if needed ("" = none).
        write: `merge_latest` (Delta MERGE, latest version wins), `scd2` (type-2 history:
            valid_from, valid_to, is_current) or `snapshot` (a register delivered whole:
            the table becomes the latest delivery).
        cluster_by: columns weekly maintenance Z-orders the files by (point look-ups on them
            skip files); () = compaction only.
        migrations: declared schema migrations of the table beyond its contract's
            (`renamed_from` / `widened_from` on a contract column apply without this).
    """

    name: str
    feed: FeedSpec
    transform: str
    key: tuple[str, ...]
    catalog: Catalog
    order_by: tuple[str, ...] = ("_dt",)
    partition_by: str = ""
    write: WriteMode = WriteMode.MERGE_LATEST
    cluster_by: tuple[str, ...] = ()
    migrations: tuple[Migration, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "write", _enum(WriteMode, self.write, self.name, "write"))
        object.__setattr__(self, "migrations", parse_migrations(self.migrations, self.name))

    def evolution(self, run_id: str, dt: str) -> Evolution:
        """What a write to this table may change in its schema: the contract's defaults and migrations, and its own."""
        contract = self.feed.contract
        return Evolution(run_id, dt, contract.defaults(), (*contract.migrations(), *self.migrations))

    def delivery_rule(self, dt: str, partitions: tuple[str, ...] = ()) -> WriteRule:
        """How the lake writes delivery `dt`'s rows, replacing what an earlier delivery of `dt` left (ADR 0007).

        Args:
            dt: the delivery date.
            partitions: partitions holding the rows the earlier delivery left.
        """
        if self.write == WriteMode.SNAPSHOT:
            return Overwrite()
        if self.write == WriteMode.SCD2:
            return MergeHistory(self.key, self.order_by[0], dt)
        return ReplaceDelivery(self.key, self.order_by, dt, self.partition_by, partitions)

    def write_rule(self) -> WriteRule:
        """How the lake writes this table's candidates without replacing an earlier delivery's rows (`delivery_rule` does)."""
        if self.write == WriteMode.SNAPSHOT:
            return Overwrite()
        if self.write == WriteMode.SCD2:
            return MergeHistory(self.key, self.order_by[0])
        return MergeLatest(self.key, self.order_by, self.partition_by)

    def merge_rule(self) -> WriteRule:
        """How rows are added to the table without replacing it (replays): a snapshot merges by key."""
        if self.write == WriteMode.SNAPSHOT:
            return MergeLatest(self.key, self.order_by, self.partition_by)
        return self.write_rule()


@dataclass(frozen=True)
class GoldSpec:
    """A gold table, rebuilt incrementally.

    Attributes:
        name: table name (`gold.<name>`).
        sources: tables read: `name` (a silver table of the same sector) or `layer.name`
            (any silver/gold table, also of other sectors).
        build: `module:function` of the pure build
            `(sources: Mapping[str, DataFrame], as_of: date) -> DataFrame`; sources are
            keyed by table name.
        partition_by: the gold partition column ("" = unpartitioned).
        catalog: directory entry.
        mode: `touched` — rebuild the partitions whose source rows the date's deliveries
            changed (`partition_by` must be a column of every source, which is read limited
            to those partitions); `as_of` — rebuild the date's snapshot from whole sources
            into partition `partition_by = date` (or the whole table when unpartitioned).
        whole_sources: in `touched` mode, sources (named as in `sources`) read whole and not
            used to find touched partitions: registers without `partition_by` that the
            fact sources are joined to (e.g. the meter register of the readings).
        cluster_by: columns weekly maintenance Z-orders the files by; () = compaction only.
        migrations: declared schema migrations (`{rename: old, to: new}`, `{widen: column, to: type}`).
        defaults: values (as text) the rows already in the table get for a column the build starts producing.
    """

    name: str
    sources: tuple[str, ...]
    build: str
    partition_by: str
    catalog: Catalog
    mode: GoldMode = GoldMode.TOUCHED
    whole_sources: tuple[str, ...] = ()
    cluster_by: tuple[str, ...] = ()
    migrations: tuple[Migration, ...] = ()
    defaults: Any = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", _enum(GoldMode, self.mode, self.name, "mode"))
        object.__setattr__(self, "migrations", parse_migrations(self.migrations, self.name))
        defaults = self.defaults.items() if isinstance(self.defaults, dict) else self.defaults
        object.__setattr__(self, "defaults", tuple((str(c), str(v)) for c, v in defaults))
        unknown = set(self.whole_sources) - set(self.sources)
        if unknown:
            raise ValueError(f"{self.name}: whole_sources {sorted(unknown)} are not among its sources")
        if self.mode == GoldMode.TOUCHED and len(self.whole_sources) == len(self.sources):
            raise ValueError(f"{self.name}: a `touched` gold table needs a source limited to touched partitions")

    @property
    def source_refs(self) -> tuple[TableRef, ...]:
        """Every source (`name` alone is a silver table)."""
        return tuple(TableRef.parse(s) for s in self.sources)

    @property
    def partitioned_refs(self) -> tuple[TableRef, ...]:
        """The sources limited to touched partitions (all but `whole_sources`)."""
        return tuple(TableRef.parse(s) for s in self.sources if s not in self.whole_sources)

    def evolution(self, run_id: str, dt: str) -> Evolution:
        """What a write to this table may change in its schema: its declared defaults and migrations."""
        return Evolution(run_id, dt, self.defaults, self.migrations)


@dataclass(frozen=True)
class Sector:
    """Everything one department delivers and the lake derives from it."""

    name: str
    description: str
    silver: tuple[SilverSpec, ...] = field(default=())
    gold: tuple[GoldSpec, ...] = field(default=())

    @property
    def feeds(self) -> tuple[FeedSpec, ...]:
        """The sector's feeds, in declaration order."""
        return tuple(s.feed for s in self.silver)

    def silver_table(self, name: str) -> SilverSpec:
        """The silver spec called `name`."""
        return next(s for s in self.silver if s.name == name)

    def produces(self, ref: TableRef) -> bool:
        """True when this sector writes `ref`."""
        tables = {TableRef("silver", s.name) for s in self.silver} | {TableRef("gold", g.name) for g in self.gold}
        return ref in tables

    def external_sources(self) -> tuple[TableRef, ...]:
        """Sources of this sector's gold tables that other sectors produce (scheduling edges)."""
        refs = {ref for g in self.gold for ref in g.source_refs if not self.produces(ref)}
        return tuple(sorted(refs, key=str))


_SILVER_FIELDS = frozenset(
    {"feed", "transform", "key", "order_by", "partition_by", "write", "cluster_by", "directory", "migrations"}
)
_GOLD_FIELDS = frozenset(
    {"sources", "whole_sources", "build", "partition_by", "mode", "cluster_by", "directory", "migrations", "defaults"}
)


def load_sector(name: str) -> Sector:
    """The sector declared in `schemas/tables/<name>.yaml` (package data).

    Raises:
        ValueError: naming the file and the table, for an unknown or missing field, a mode or
            sharing class that is not one of the choices, or a gold source no table provides.
    """
    where = f"schemas/tables/{name}.yaml"
    data = yaml.safe_load((TABLES_DIR / f"{name}.yaml").read_text("utf-8"))
    if data.get("sector") != name:
        raise ValueError(f"{where}: declares sector {data.get('sector')!r}, not {name!r}")
    owner = data.get("owner", "")

    def build(table: str, entry: dict[str, Any], allowed: frozenset[str], make: Any) -> Any:
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise ValueError(f"{where}, table {table}: unknown field(s) {unknown}; known: {sorted(allowed)}")
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items() if k != "directory"}
        directory = {"owner": owner, **(entry.get("directory") or {})}
        directory["pii_columns"] = tuple(directory.get("pii_columns", ()))
        try:
            return make(table, Catalog(**directory), fields)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}, table {table}: {exc}") from None

    def silver(table: str, catalog: Catalog, fields: dict[str, Any]) -> SilverSpec:
        if "feed" not in fields:
            raise ValueError("missing field 'feed' (the feed the table is built from)")
        return SilverSpec(name=table, feed=FeedSpec(name, fields.pop("feed")), catalog=catalog, **fields)

    def gold(table: str, catalog: Catalog, fields: dict[str, Any]) -> GoldSpec:
        return GoldSpec(name=table, catalog=catalog, **fields)

    return Sector(
        name=name,
        description=data.get("description", ""),
        silver=tuple(build(t, e, _SILVER_FIELDS, silver) for t, e in (data.get("silver") or {}).items()),
        gold=tuple(build(t, e, _GOLD_FIELDS, gold) for t, e in (data.get("gold") or {}).items()),
    )
