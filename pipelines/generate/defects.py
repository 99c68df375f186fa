"""Row-level defects: recipes that spoil exactly one thing in a clean row, and the
planner that picks which rows get which defect.

Every injected row carries exactly one defect kind, recorded with its final
1-based row number in the file. Kinds (names are part of the ground-truth format):
`missing_required`, `invalid_uscc`, `invalid_id_no`, `invalid_division`,
`out_of_range`, `future_date`, `inconsistent_row`, `unparseable_row`,
`exact_duplicate`; `schema_drift` is file-level (see `delivery`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from pipelines.ids import ID_CHECK_CHARS, USCC_ALPHABET

ROW_KINDS = (
    "missing_required",
    "invalid_uscc",
    "invalid_id_no",
    "invalid_division",
    "out_of_range",
    "future_date",
    "inconsistent_row",
    "unparseable_row",
    "exact_duplicate",
)
# Real division codes of other provinces (Shanghai, Anhui, Zhejiang, Shandong, Beijing, Hubei).
OUTSIDE_DIVISIONS = ("310101", "340104", "330106", "370102", "110105", "420106")
FUTURE_MIN_DAYS = 400  # a future date is at least this far after the delivery's business date

Columns = dict[str, np.ndarray]


@dataclass(frozen=True)
class Spoil:
    """Context handed to recipes: random source and the delivery's business date."""

    rng: np.random.Generator
    day: dt.date


@dataclass(frozen=True)
class Recipe:
    """One way of injecting a defect kind.

    Exactly one of the callables is set:
        cell(columns, row, spoil) -> detail: edits text columns of one row in place.
        line(line, spoil) -> (new line, detail): edits a rendered text line.
        table(table, rows, spoil) -> (table, detail): edits typed rows of a parquet table.
    """

    kind: str
    cell: Callable[[Columns, int, Spoil], str] | None = None
    line: Callable[[str, Spoil], tuple[str, str]] | None = None
    table: Callable[[pa.Table, np.ndarray, Spoil], tuple[pa.Table, str]] | None = None


def set_cell(columns: Columns, column: str, row: int, value: str) -> None:
    """Set one text cell, widening the column's fixed-width dtype when needed."""
    array = columns[column]
    if array.dtype.kind == "U" and len(value) > array.dtype.itemsize // 4:
        array = array.astype(f"U{len(value)}")
        columns[column] = array
    array[row] = value


# --- cell recipes ------------------------------------------------------------------------


def blank(column: str) -> Recipe:
    """missing_required: empty a required column."""

    def apply(columns: Columns, row: int, spoil: Spoil) -> str:
        set_cell(columns, column, row, "")
        return f"{column} is empty"

    return Recipe("missing_required", cell=apply)


def bad_uscc(column: str) -> Recipe:
    """invalid_uscc: replace the USCC's check character by a wrong one."""

    def apply(columns: Columns, row: int, spoil: Spoil) -> str:
        code = str(columns[column][row])
        wrong = [c for c in USCC_ALPHABET if c != code[17]]
        set_cell(columns, column, row, code[:17] + wrong[int(spoil.rng.integers(len(wrong)))])
        return f"{column} has a wrong check character"

    return Recipe("invalid_uscc", cell=apply)


def bad_id_no(column: str) -> Recipe:
    """invalid_id_no: replace the identity number's check character by a wrong one."""

    def apply(columns: Columns, row: int, spoil: Spoil) -> str:
        code = str(columns[column][row])
        wrong = [c for c in ID_CHECK_CHARS if c != code[17]]
        set_cell(columns, column, row, code[:17] + wrong[int(spoil.rng.integers(len(wrong)))])
        return f"{column} has a wrong check character"

    return Recipe("invalid_id_no", cell=apply)


def bad_division(column: str) -> Recipe:
    """invalid_division: a real division code of another province."""

    def apply(columns: Columns, row: int, spoil: Spoil) -> str:
        code = OUTSIDE_DIVISIONS[int(spoil.rng.integers(len(OUTSIDE_DIVISIONS)))]
        set_cell(columns, column, row, code)
        return f"{column} {code} is not in Jiangsu"

    return Recipe("invalid_division", cell=apply)


def negative(column: str, decimals: int = 2) -> Recipe:
    """out_of_range: a negative value in a non-negative numeric column."""

    def apply(columns: Columns, row: int, spoil: Spoil) -> str:
        magnitude = abs(float(columns[column][row] or 0)) or float(spoil.rng.integers(1, 500))
        value = f"-{magnitude:.{decimals}f}"
        set_cell(columns, column, row, value)
        return f"{column} is negative ({value})"

    return Recipe("out_of_range", cell=apply)


def future(column: str, form: str = "date") -> Recipe:
    """future_date: a date at least FUTURE_MIN_DAYS after the delivery date.

    Args:
        column: the date or timestamp column.
        form: "date" (`YYYY-MM-DD`), "iso" (`...THH:MM:SS+08:00`) or "plain" (`... HH:MM:SS`).
    """

    def apply(columns: Columns, row: int, spoil: Spoil) -> str:
        day = spoil.day + dt.timedelta(days=int(spoil.rng.integers(FUTURE_MIN_DAYS, 1500)))
        value = day.isoformat() + str(columns[column][row])[10:] if form != "date" else day.isoformat()
        set_cell(columns, column, row, value)
        return f"{column} {value} is in the future"

    return Recipe("future_date", cell=apply)


def not_a_number(column: str) -> Recipe:
    """unparseable_row: "abc" in a numeric column."""

    def apply(columns: Columns, row: int, spoil: Spoil) -> str:
        set_cell(columns, column, row, "abc")
        return f"{column} is not a number"

    return Recipe("unparseable_row", cell=apply)


# --- line recipes ------------------------------------------------------------------------


def wrong_column_count(delimiter: str) -> Recipe:
    """unparseable_row: a delimited line loses its last field or gains one."""

    def apply(line: str, spoil: Spoil) -> tuple[str, str]:
        if spoil.rng.random() < 0.5:
            return line.rsplit(delimiter, 1)[0], "one field too few"
        return line + delimiter + "x", "one field too many"

    return Recipe("unparseable_row", line=apply)


def broken_json() -> Recipe:
    """unparseable_row: a JSON line cut before its end (no closing brace)."""

    def apply(line: str, spoil: Spoil) -> tuple[str, str]:
        cut = int(spoil.rng.integers(len(line) // 2, len(line) - 1))
        return line[:cut], "broken JSON (line cut short)"

    return Recipe("unparseable_row", line=apply)


# --- planning ------------------------------------------------------------------------------


@dataclass
class Injection:
    """Rows chosen for defects in one chunk.

    Attributes:
        order: take-index from the clean rows to the output rows (copies inserted).
        kinds: output position -> defect kind for every spoiled row.
        clones: output positions of cloned rows that need fresh keys.
    """

    order: np.ndarray
    kinds: dict[int, str]
    clones: np.ndarray


def plan(n: int, rate: float, kinds: list[str], rng: np.random.Generator, clone: bool) -> Injection:
    """Choose which rows get which defect.

    Args:
        n: clean rows in the chunk.
        rate: expected share of defective rows (0 gives none).
        kinds: defect kinds this feed can carry (exact_duplicate included when possible).
        rng: random source.
        clone: spoil cloned copies (inserted rows) instead of the clean rows themselves.

    Returns:
        The injection plan; each spoiled output row has exactly one kind.
    """
    total = int(rng.binomial(n, min(rate, 0.5))) if n and rate > 0 and kinds else 0
    if total == 0:
        return Injection(np.arange(n), {}, np.array([], dtype=int))
    chosen = np.array(kinds)[rng.integers(0, len(kinds), total)]
    n_dup = int((chosen == "exact_duplicate").sum())
    spoil_kinds = chosen[chosen != "exact_duplicate"]
    if clone:
        spoil_src = rng.integers(0, n, len(spoil_kinds))
        dup_src = rng.integers(0, n, n_dup)
    else:
        picked = rng.choice(n, total, replace=False)  # total <= n: binomial(n, p)
        spoil_src, dup_src = picked[: len(spoil_kinds)], picked[len(spoil_kinds) :]
    inserted_src = np.concatenate([spoil_src, dup_src]) if clone else dup_src
    inserted_kind = (
        np.concatenate([spoil_kinds, np.full(n_dup, "exact_duplicate")])
        if clone
        else np.full(len(dup_src), "exact_duplicate")
    )
    points = inserted_src + 1 + (rng.random(len(inserted_src)) * (n - inserted_src)).astype(int)
    by_point = np.argsort(points, kind="stable")
    order = np.insert(np.arange(n), points[by_point], inserted_src[by_point])
    inserted_pos = points[by_point] + np.arange(len(by_point))
    kinds_at: dict[int, str] = {int(p): str(k) for p, k in zip(inserted_pos, inserted_kind[by_point], strict=True)}
    clones = inserted_pos[inserted_kind[by_point] != "exact_duplicate"]
    if not clone:
        final = spoil_src + np.searchsorted(points[by_point], spoil_src, side="right")
        kinds_at.update({int(p): str(k) for p, k in zip(final, spoil_kinds, strict=True)})
    return Injection(order, kinds_at, clones)


def pick_recipe(recipes: tuple[Recipe, ...], rng: np.random.Generator) -> Recipe:
    """One recipe of a kind, uniformly."""
    return recipes[int(rng.integers(len(recipes)))]
