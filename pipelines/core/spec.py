"""Table specs: the declarations a data engineer writes; DAGs and run order derive from them.

Specs import nothing heavy: transforms are named by import path (`module:function`)
and resolved when a step runs, so Airflow parses DAGs without importing Spark.

A sector declares its feeds (contracts in `schemas/feeds/`), its silver tables (one per
feed: a pure transform plus a merge rule) and its gold tables (a pure build over silver
tables plus the partition column that makes them incremental). Nothing else is needed
for the runner, the CLI and the Airflow DAG factory to handle a new table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from pipelines.core.contract import FeedContract, load_contract

SHARING = ("open", "conditional", "restricted")


def resolve(path: str) -> Any:
    """The object named `package.module:attribute`."""
    module, _, attribute = path.partition(":")
    return getattr(import_module(module), attribute)


@dataclass(frozen=True)
class Catalog:
    """Data-sharing directory entry of a table."""

    owner: str
    description: str
    description_zh: str = ""
    sharing: str = "conditional"
    pii_columns: tuple[str, ...] = ()
    update_frequency: str = "daily"
    retention_days: int | None = None

    def __post_init__(self) -> None:
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


@dataclass(frozen=True)
class SilverSpec:
    """A silver table fed by one feed, with latest-version-wins semantics.

    Attributes:
        name: table name (`silver.<name>`).
        feed: the feed it is built from.
        transform: `module:function` of the pure transform applied to the feed's valid, typed rows.
        key: the business key.
        order_by: version columns; the greatest wins per key.
        partition_by: partition column (derived by `transform` if needed).
        catalog: directory entry.
    """

    name: str
    feed: FeedSpec
    transform: str
    key: tuple[str, ...]
    order_by: tuple[str, ...]
    partition_by: str
    catalog: Catalog


@dataclass(frozen=True)
class GoldSpec:
    """A gold table rebuilt for the partitions its sources' new rows touch.

    Attributes:
        name: table name (`gold.<name>`).
        sources: silver tables read (by name).
        build: `module:function` of the pure build over the sources (already limited to the
            touched partitions): `Mapping[str, DataFrame] -> DataFrame`.
        partition_by: the gold partition column; it is also a column of every source,
            so the touched partitions are the values of the source rows a delivery changed.
        catalog: directory entry.
    """

    name: str
    sources: tuple[str, ...]
    build: str
    partition_by: str
    catalog: Catalog


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

    def upstream(self, gold: GoldSpec) -> tuple[SilverSpec, ...]:
        """Silver specs a gold table reads (the edges of the DAG)."""
        return tuple(self.silver_table(n) for n in gold.sources)
