"""Schema evolution as a declared change: before a write to an existing table, its schema and the frame's are compared.

- A column the frame has and the table lacks is added by an explicit
  `ALTER TABLE delta.`<path>` ADD COLUMNS (…)` (SQL, so a Spark Connect session does it too);
  the rows the table already holds get null, or the declared default (an `UPDATE`).
  Delta's silent auto-merge stays off (`pipelines/spark.py`).
- A column the table has and the frame lacks (a drop or a rename) and a changed type are
  refused with `SchemaChangeRefused`, naming the table, the column and both types, unless a
  migration declares it: a rename (`RenameColumn`) or a widening (`WidenColumn`, only a
  lossless one: int → bigint, float → double, a decimal with more digits, …). A declared
  migration rewrites the table in one commit (renamed and cast columns, same partitioning),
  so the table needs no Delta reader feature (column mapping, type widening) that the
  delta-rs readers of the lake do not support.

Every change is returned as a `Change` (column, type, what, versions before and after);
`Lake.write` records them in `ops.schema_changes` before it writes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipelines.io.refs import Evolution, RenameColumn, TableRef, WidenColumn

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

SCHEMA_CHANGES = TableRef("ops", "schema_changes")
SCHEMA_CHANGES_SCHEMA = (
    "`table` string, `column` string, type string, change string, detail string, run_id string, dt string, "
    "version_before long, version_after long, recorded_at timestamp"
)
SCHEMA_CHANGES_KEY = ("table", "column", "change", "version_after")
INTEGRAL = ("tinyint", "smallint", "int", "bigint")
INTEGRAL_DIGITS = {"tinyint": 3, "smallint": 5, "int": 10, "bigint": 20}
DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")
HOW_TO_DECLARE = (
    "Declare it as a migration: on the contract column (schemas/feeds/<sector>_<feed>.yaml) "
    "`renamed_from: <old name>` or `widened_from: <old type>`; for a gold table "
    "`migrations: [{rename: <old>, to: <new>}]` or `[{widen: <column>, to: <type>}]` in its "
    "declaration (schemas/tables/<sector>.yaml). A run never drops a column or narrows a type."
)


class SchemaChangeRefused(Exception):
    """The rows to write would change the table's schema in a way no migration declares (nothing was written)."""


@dataclass(frozen=True)
class Diff:
    """How a frame's columns differ from a table's (names and Spark SQL types; nullability ignored).

    Attributes:
        added: (column, type) in the frame, not in the table, in the frame's order.
        missing: (column, type) in the table, not in the frame.
        changed: (column, table type, frame type).
    """

    added: tuple[tuple[str, str], ...] = ()
    missing: tuple[tuple[str, str], ...] = ()
    changed: tuple[tuple[str, str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.missing or self.changed)


@dataclass(frozen=True)
class Change:
    """One applied schema change, as `ops.schema_changes` records it.

    `change` is `add_column`, `default`, `rename` or `widen`; `type` the column's type after it.
    """

    column: str
    type: str
    change: str
    detail: str
    version_before: int | None
    version_after: int | None


@dataclass(frozen=True)
class Plan:
    """What a write does to the table before writing: migrations (one rewrite), then added columns and defaults."""

    renames: tuple[tuple[str, str, str], ...] = ()  # old, new, type
    widens: tuple[tuple[str, str, str], ...] = ()  # column, old type, new type
    adds: tuple[tuple[str, str], ...] = ()  # column, type
    defaults: tuple[tuple[str, str, str], ...] = ()  # column, type, value as text

    def __bool__(self) -> bool:
        return bool(self.renames or self.widens or self.adds)


def columns(schema: StructType) -> list[tuple[str, str]]:
    """(name, Spark SQL type) of each top-level field."""
    return [(f.name, f.dataType.simpleString()) for f in schema.fields]


def diff(table: Sequence[tuple[str, str]], frame: Sequence[tuple[str, str]]) -> Diff:
    """Compare a table's columns with a frame's (both `(name, type)`, e.g. from `columns`)."""
    have, want = dict(table), dict(frame)
    return Diff(
        added=tuple((c, t) for c, t in frame if c not in have),
        missing=tuple((c, t) for c, t in table if c not in want),
        changed=tuple((c, have[c], t) for c, t in frame if c in have and have[c] != t),
    )


def widens(old: str, new: str) -> bool:
    """True when every value of type `old` is exactly a value of type `new` (a lossless widening)."""
    if old in INTEGRAL and new in INTEGRAL:
        return INTEGRAL.index(new) > INTEGRAL.index(old)
    if new == "double" and old in ("float", "tinyint", "smallint", "int"):
        return True
    to = DECIMAL.match(new)
    if to is None:
        return False
    precision, scale = int(to[1]), int(to[2])
    if old in INTEGRAL_DIGITS:
        return precision - scale >= INTEGRAL_DIGITS[old]
    was = DECIMAL.match(old)
    if was is None:
        return False
    old_precision, old_scale = int(was[1]), int(was[2])
    return scale >= old_scale and precision - scale >= old_precision - old_scale and precision > old_precision


def plan(table_name: str, found: Diff, evolution: Evolution, partial: bool = False) -> Plan:
    """The changes `found` asks for, or a refusal of the ones no migration of `evolution` declares.

    Args:
        table_name: for messages (`silver.tax_returns`).
        found: the table's columns against the frame's.
        evolution: declared defaults and migrations.
        partial: the frame holds some of the table's columns only (a backfill): missing ones are fine.

    Raises:
        SchemaChangeRefused: naming the table, the column, the table's and the frame's type, and how to declare it.
    """
    added, missing = dict(found.added), dict(found.missing)
    changed = {c: (old, new) for c, old, new in found.changed}
    renames: list[tuple[str, str, str]] = []
    for m in evolution.migrations:
        if isinstance(m, RenameColumn) and m.old in missing and m.new in added:
            old_type, new_type = missing.pop(m.old), added.pop(m.new)
            renames.append((m.old, m.new, old_type))
            if old_type != new_type:
                changed[m.new] = (old_type, new_type)
    widens_: list[tuple[str, str, str]] = []
    declared_widen = {m.column: m.to for m in evolution.migrations if isinstance(m, WidenColumn)}
    problems = []
    for c, (old, new) in changed.items():
        if declared_widen.get(c) == new and widens(old, new):
            widens_.append((c, old, new))
        elif declared_widen.get(c) == new:
            problems.append(
                f"{table_name}: column `{c}` is {old} in the table and {new} in the rows to write; the declared "
                f"migration widen {c} to {new} is not a lossless widening and is refused"
            )
        else:
            problems.append(
                f"{table_name}: column `{c}` is {old} in the table but {new} in the rows to write "
                "(a type change no migration declares)"
            )
    if not partial:
        problems += [
            f"{table_name}: column `{c}` ({t}) is in the table but not in the rows to write "
            "(a dropped or renamed column no migration declares)"
            for c, t in missing.items()
        ]
    if problems:
        raise SchemaChangeRefused("; ".join(problems) + ". Nothing was written. " + HOW_TO_DECLARE)
    defaults = dict(evolution.defaults)
    return Plan(
        renames=tuple(renames),
        widens=tuple(widens_),
        adds=tuple(added.items()),
        defaults=tuple((c, t, defaults[c]) for c, t in added.items() if c in defaults),
    )


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def evolve(
    spark: SparkSession, uri: str, table_name: str, frame: DataFrame, evolution: Evolution, partial: bool
) -> list[Change]:
    """Bring the table at `uri` to `frame`'s schema as `plan` allows; nothing when there is no table.

    Returns:
        The changes applied, in order (empty when the schemas agree).

    Raises:
        SchemaChangeRefused: see `plan` (the table is untouched).
    """
    from pyspark.errors import AnalysisException

    from pipelines.io import delta

    try:
        current = spark.read.format("delta").load(uri)
    except AnalysisException:
        return []
    found = diff(columns(current.schema), columns(frame.schema))
    if not found:
        return []
    todo = plan(table_name, found, evolution, partial)
    changes: list[Change] = []
    target = delta.sql_path(uri)
    if todo.renames or todo.widens:
        before = delta.version(spark, uri)
        delta.rewrite_columns(spark, uri, {o: n for o, n, _ in todo.renames}, {c: t for c, _, t in todo.widens})
        after = delta.version(spark, uri)
        changes += [Change(n, t, "rename", f"renamed from {o}", before, after) for o, n, t in todo.renames]
        changes += [Change(c, t, "widen", f"widened from {o}", before, after) for c, o, t in todo.widens]
    if todo.adds:
        before = delta.version(spark, uri)
        spark.sql(f"ALTER TABLE {target} ADD COLUMNS ({', '.join(f'{_quote(c)} {t}' for c, t in todo.adds)})")
        after = delta.version(spark, uri)
        changes += [Change(c, t, "add_column", "ALTER TABLE ADD COLUMNS", before, after) for c, t in todo.adds]
    if todo.defaults:
        before = delta.version(spark, uri)
        sets = ", ".join(f"{_quote(c)} = CAST({_literal(v)} AS {t})" for c, t, v in todo.defaults)
        spark.sql(f"UPDATE {target} SET {sets}")
        after = delta.version(spark, uri)
        changes += [Change(c, t, "default", f"rows before set to {v!r}", before, after) for c, t, v in todo.defaults]
    return changes
