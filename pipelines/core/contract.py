"""Feed contracts as data: `schemas/feeds/<sector>_<feed>.yaml` loaded into typed objects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from pipelines.io.refs import Migration, RenameColumn, WidenColumn
from pipelines.timezone import LOCAL_TZ

CONTRACTS_DIR: Traversable = files("pipelines.contracts")  # schemas/feeds/ in the source tree
TEXT_FORMATS = ("csv", "psv", "jsonl")
LINEAGE = ("_batch_id", "_dt", "_source_file", "_row_no", "_ingested_at")
"""The lineage columns every bronze row carries into silver: which delivery, file and row it came from."""
DUE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@dataclass(frozen=True)
class Column:
    """One column of a feed contract.

    Attributes:
        name: the lake's column name.
        source: the header or field name as delivered (defaults to `name`).
        type: Spark SQL type of the typed (silver) column.
        required: empty values are quarantined as `missing_required`.
        format: parse format for dates/timestamps (Spark datetime pattern).
        local_time: timestamp delivered as local Asia/Shanghai time without an offset.
        pattern / values / min / max / not_future / checks: row rules (see `pipelines.core.rules`).
        pii: personal data, tokenized in silver.
        default: the value (as text, cast to `type`) the rows a silver table already holds get
            when this column is added to it; without it they get null (ADR 0011).
        renamed_from: a declared migration: the column was called this before; the lake's
            tables rename it (values kept) instead of refusing the write.
        widened_from: a declared migration: the column's type was this narrower one; silver
            casts the stored values (a lossless widening only: int -> bigint, …).
    """

    name: str
    type: str = "string"
    source: str = ""
    required: bool = False
    format: str = ""
    local_time: bool = False
    pattern: str = ""
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    not_future: bool = False
    checks: tuple[str, ...] = ()
    pii: bool = False
    default: str | None = None
    renamed_from: str = ""
    widened_from: str = ""

    @property
    def delivered_name(self) -> str:
        """The name in the delivered file's header or object."""
        return self.source or self.name


@dataclass(frozen=True)
class RowRule:
    """A rule over several typed columns, as a Spark SQL boolean expression."""

    name: str
    reason: str
    expr: str


@dataclass(frozen=True)
class FeedContract:
    """The contract of one feed: format, columns, key, row rules and when it is due.

    `due` is the local (Asia/Shanghai) time, `HH:MM`, by which the delivery of a business
    date must be complete (its manifest written) on that date; a later delivery alerts.
    `sharing` is the department's class of the feed: the silver table may be one class more
    open only where it tokenizes the feed's personal data (tests/pipelines/core/test_specs.py).
    """

    sector: str
    feed: str
    format: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    producer: str = ""
    description: str = ""
    description_zh: str = ""
    encoding: str = "utf-8"
    delimiter: str = ","
    version_column: str = ""
    updated_column: str = ""
    sharing: str = "restricted"
    due: str = "06:00"
    row_rules: tuple[RowRule, ...] = field(default=())

    def __post_init__(self) -> None:
        if not DUE.match(self.due):
            raise ValueError(f"contract {self.sector}/{self.feed}: due must be HH:MM local time, not {self.due!r}")

    @property
    def name(self) -> str:
        """`<sector>_<feed>`: the bronze and quarantine table name."""
        return f"{self.sector}_{self.feed}"

    @property
    def is_text(self) -> bool:
        """Line-oriented text (CSV, pipe-separated, JSON Lines) rather than Parquet."""
        return self.format in TEXT_FORMATS

    @property
    def has_header(self) -> bool:
        """Delimited files carry a header row."""
        return self.format in ("csv", "psv")

    def silver_columns(self, *derived: str) -> list[str]:
        """A silver table's columns, in order: the contract's, then `derived` ones, then lineage."""
        return [*(c.name for c in self.columns), *derived, *LINEAGE]

    def migrations(self, typed: bool = True) -> tuple[Migration, ...]:
        """The declared migrations of the contract's columns: renames, and (for `typed` tables) widenings."""
        renames = [RenameColumn(c.renamed_from, c.name) for c in self.columns if c.renamed_from]
        widened = [WidenColumn(c.name, c.type) for c in self.columns if c.widened_from and typed]
        return (*renames, *widened)

    def defaults(self) -> tuple[tuple[str, str], ...]:
        """(column, default as text) of the columns that declare a default."""
        return tuple((c.name, c.default) for c in self.columns if c.default is not None)

    def column(self, name: str) -> Column:
        """The column called `name`."""
        return next(c for c in self.columns if c.name == name)

    def due_at(self, dt: str) -> datetime:
        """When the delivery of business date `dt` (YYYY-MM-DD) is due, timezone-aware."""

        hours, minutes = map(int, self.due.split(":"))
        return datetime.combine(date.fromisoformat(dt), time(hours, minutes), ZoneInfo(LOCAL_TZ))


def _column(raw: dict[str, Any]) -> Column:
    raw = dict(raw)
    raw["values"] = tuple(str(v) for v in raw.get("values", ()))
    raw["checks"] = tuple(raw.get("checks", ()))
    if raw.get("default") is not None:
        raw["default"] = str(raw["default"])
    return Column(**raw)


def parse_contract(data: dict[str, Any]) -> FeedContract:
    """Build a contract from its YAML mapping."""
    data = dict(data)
    data["columns"] = tuple(_column(c) for c in data["columns"])
    data["key"] = tuple(data["key"])
    data["row_rules"] = tuple(RowRule(**r) for r in data.get("row_rules", ()))
    return FeedContract(**data)


@cache
def load_contract(sector: str, feed: str) -> FeedContract:
    """The contract of `<sector>/<feed>`: `schemas/feeds/<sector>_<feed>.yaml`, read as package data."""
    path = CONTRACTS_DIR / f"{sector}_{feed}.yaml"
    return parse_contract(yaml.safe_load(path.read_text("utf-8")))
