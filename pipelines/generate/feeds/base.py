"""What a feed is: its file contract (`FeedSpec`) and how it makes a day's rows.

Text feeds (CSV, pipe-delimited, JSON Lines) build their rows as *text columns*:
numpy string arrays already formatted as the contract wants (money with two
decimals, dates as `YYYY-MM-DD`), with "" meaning empty / null. The parquet feed
builds typed pyarrow tables. Both arrive as `Chunk`s of at most `PART_ROWS` rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from pipelines.generate.defects import Recipe
    from pipelines.generate.world import World

PART_ROWS = 500_000  # upper bound of data rows per file
CHUNK_ROWS = 480_000  # rows a feed puts in one chunk, leaving room for injected duplicates


@dataclass(frozen=True)
class FeedSpec:
    """The file contract of one feed.

    Attributes:
        sector, feed: the landing path components.
        fmt: "csv", "jsonl" or "parquet".
        columns: names in file order (the CSV header or JSON keys).
        numeric: columns written unquoted in JSON (numbers).
        producer: the department named in the manifest.
        delimiter, encoding, header: text layout (the header may differ from `columns`).
        ext: file extension.
        recipes: row-level defect kind -> recipes that inject it.
        clone_key: for registers referenced by other feeds, defects go into cloned rows
            with fresh keys made by this function, so real register rows stay clean.
        drift_column: name and value of the extra column of a schema drift.
    """

    sector: str
    feed: str
    fmt: str
    columns: tuple[str, ...]
    producer: str
    numeric: frozenset[str] = frozenset()
    delimiter: str = ","
    encoding: str = "utf-8"
    header: tuple[str, ...] | None = None
    ext: str = "csv"
    recipes: dict[str, tuple[Recipe, ...]] = field(default_factory=dict)
    clone_key: Callable[[dict[str, np.ndarray], np.ndarray, np.random.Generator], None] | None = None
    drift_column: tuple[str, str] = ("remark", "")
    schema: pa.Schema | None = None  # parquet feeds: the typed schema

    @property
    def name(self) -> str:
        """`sector/feed`."""
        return f"{self.sector}/{self.feed}"


@dataclass
class Chunk:
    """Up to CHUNK_ROWS rows of one delivery: text columns (dict) or a typed table.

    `gzip` asks for a compressed file (`.gz` appended to the extension).
    """

    columns: dict[str, np.ndarray] | None = None
    table: pa.Table | None = None
    gzip: bool = False

    @property
    def num_rows(self) -> int:
        """Number of rows."""
        if self.table is not None:
            return self.table.num_rows
        return len(next(iter(self.columns.values()))) if self.columns else 0


@dataclass
class DayContext:
    """What a feed needs to know about the delivery it is making.

    Attributes:
        day: the business date of the delivery.
        start: the first day of this generation run (registers send a full load then).
        seed: the run's seed.
        behaviour: counters of expected late/corrected data, filled by the feed.
    """

    day: dt.date
    start: dt.date
    seed: int
    behaviour: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int) -> None:
        """Add `n` to a behaviour counter (amended returns, late readings, ...)."""
        self.behaviour[what] = self.behaviour.get(what, 0) + int(n)


@dataclass(frozen=True)
class Feed:
    """A feed: its contract and the function making a day's chunks."""

    spec: FeedSpec
    make: Callable[[World, DayContext], Iterator[Chunk]]


def split_columns(columns: dict[str, np.ndarray], rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Cut text columns into chunks of at most `rows` rows (at least one chunk)."""
    n = len(next(iter(columns.values())))
    for begin in range(0, max(n, 1), rows):
        yield Chunk(columns={k: v[begin : begin + rows] for k, v in columns.items()})
