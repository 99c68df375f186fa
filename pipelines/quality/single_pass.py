"""Evaluating a whole GX suite in one Spark aggregation.

GX's Spark engine computes each expectation's metrics with jobs of their own (a suite of
ten column checks is tens of jobs over the batch). Every expectation a gate uses is a
count of failing rows (plus non-null counts and a sample), so the whole suite compiles to
the aggregate expressions of a single `agg`: one job, one scan — plus one aggregation per
uniqueness check (distinct counts do not share a pass well). The numbers are handed to
GX as ordinary `ExpectationValidationResult`s, so its stores and Data Docs work unchanged.

Semantics follow GX: column-map expectations judge non-null values only (nulls are
`missing`), `mostly` is the share of non-null values that must pass, uniqueness counts the
extra copies of repeated values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.ids import ICD10_PATTERN, PLATE_PATTERN
from pipelines.quality.suites import policy_meta
from pipelines.transforms import identifiers


def _between(c: Column, kw: dict[str, Any]) -> Column:
    low, high = kw.get("min_value"), kw.get("max_value")
    fails = F.lit(False)
    if low is not None:
        fails = fails | ((c <= F.lit(low)) if kw.get("strict_min") else (c < F.lit(low)))
    if high is not None:
        fails = fails | ((c >= F.lit(high)) if kw.get("strict_max") else (c > F.lit(high)))
    return fails


# expectation type -> failing condition over a non-null value
VALUE_RULES: dict[str, Callable[[Column, dict[str, Any]], Column]] = {
    "expect_column_values_to_be_between": _between,
    "expect_column_values_to_be_in_set": lambda c, kw: ~c.isin(list(kw["value_set"])),
    "expect_column_values_to_not_be_in_set": lambda c, kw: c.isin(list(kw["value_set"])),
    "expect_column_values_to_match_regex": lambda c, kw: ~c.cast("string").rlike(kw["regex"]),
    "expect_column_values_to_not_match_regex": lambda c, kw: c.cast("string").rlike(kw["regex"]),
    "expect_column_value_lengths_to_equal": lambda c, kw: F.length(c) != F.lit(kw["value"]),
    "expect_column_values_to_be_valid_uscc": lambda c, kw: ~identifiers.is_valid_uscc(c),
    "expect_column_values_to_be_valid_id_no": lambda c, kw: ~identifiers.is_valid_id_no(c),
    "expect_column_values_to_be_jiangsu_division": lambda c, kw: ~identifiers.is_jiangsu_division(c),
    "expect_column_values_to_be_icd10_code": lambda c, kw: ~c.rlike(ICD10_PATTERN),
    "expect_column_values_to_be_plate_number": lambda c, kw: ~c.rlike(PLATE_PATTERN),
}
NULL_RULES = {"expect_column_values_to_not_be_null": True, "expect_column_values_to_be_null": False}
UNIQUE = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")
TABLE = ("expect_table_row_count_to_be_between",)
SUPPORTED = set(VALUE_RULES) | set(NULL_RULES) | set(UNIQUE) | set(TABLE)


@dataclass(frozen=True)
class Compiled:
    """One expectation and the aggregate expressions that measure it."""

    index: int
    entry: dict[str, Any]

    @property
    def type(self) -> str:
        return self.entry["type"]

    @property
    def kwargs(self) -> dict[str, Any]:
        return self.entry.get("kwargs", {})

    def aggregates(self) -> list[Column]:
        """`f<i>` failing count, `n<i>` non-null count, `s<i>` sample of failing values."""
        i, kw = self.index, self.kwargs
        if self.type in TABLE:
            return [F.count(F.lit(1)).alias(f"n{i}")]
        if self.type == "expect_compound_columns_to_be_unique":
            columns = [F.col(c) for c in kw["column_list"]]
            return [
                (F.count(F.lit(1)) - F.count_distinct(F.struct(*columns))).alias(f"f{i}"),
                F.count(F.lit(1)).alias(f"n{i}"),
            ]
        column = F.col(kw["column"])
        if self.type == "expect_column_values_to_be_unique":
            return [(F.count(column) - F.count_distinct(column)).alias(f"f{i}"), F.count(column).alias(f"n{i}")]
        if self.type in NULL_RULES:
            fails = column.isNull() if NULL_RULES[self.type] else column.isNotNull()
            return [
                F.count_if(fails).alias(f"f{i}"),
                F.count(F.lit(1)).alias(f"n{i}"),
                F.array(F.min(F.when(fails, column.cast("string"))), F.max(F.when(fails, column.cast("string")))).alias(
                    f"s{i}"
                ),
            ]
        fails = column.isNotNull() & VALUE_RULES[self.type](column, kw)
        return [
            F.count_if(fails).alias(f"f{i}"),
            F.count(column).alias(f"n{i}"),
            F.array(F.min(F.when(fails, column.cast("string"))), F.max(F.when(fails, column.cast("string")))).alias(
                f"s{i}"
            ),
        ]


def compile_suite(entries: list[dict[str, Any]]) -> list[Compiled] | None:
    """The suite as aggregates, or None when an expectation has no single-pass form."""
    if any(e["type"] not in SUPPORTED for e in entries):
        return None
    return [Compiled(i, e) for i, e in enumerate(entries)]


def _result(c: Compiled, row: dict[str, Any], rows: int) -> dict[str, Any]:
    """GX's `result` dict for one expectation, and whether it succeeded."""
    kw, i = c.kwargs, c.index
    if c.type in TABLE:
        low, high = kw.get("min_value"), kw.get("max_value")
        observed = row[f"n{i}"]
        ok = (low is None or observed >= low) and (high is None or observed <= high)
        return {"success": ok, "observed_value": observed}
    failing, domain = int(row[f"f{i}"] or 0), int(row[f"n{i}"] or 0)
    sample = sorted({v for v in (row.get(f"s{i}") or []) if v is not None})
    share = (domain - failing) / domain if domain else 1.0
    ok = share >= kw.get("mostly", 1.0) if domain else True
    missing = rows - domain if c.type not in NULL_RULES and c.type not in TABLE else 0
    return {
        "success": ok,
        "element_count": rows,
        "missing_count": missing,
        "missing_percent": 100.0 * missing / rows if rows else None,
        "unexpected_count": failing,
        "unexpected_percent": 100.0 * failing / domain if domain else 0.0,
        "unexpected_percent_nonmissing": 100.0 * failing / domain if domain else 0.0,
        "partial_unexpected_list": sample,
    }


def _aggregate(frame: DataFrame, aggregates: list[Column]) -> dict[str, Any]:
    """The one row of a global aggregation, as a dict."""
    row = frame.agg(*aggregates).first()
    assert row is not None  # a global aggregation always returns one row
    return row.asDict()


def evaluate(frame: DataFrame, compiled: list[Compiled]) -> list[Any]:
    """Run the compiled suite over `frame` in one aggregation; GX results, in suite order."""
    from great_expectations.core import ExpectationValidationResult
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    # Distinct counts share an aggregation badly (Spark expands every row once per distinct
    # group), so uniqueness checks get an aggregation each; everything else is one pass.
    plain = [c for c in compiled if c.type not in UNIQUE]
    row = _aggregate(frame, [F.count(F.lit(1)).alias("rows"), *[a for c in plain for a in c.aggregates()]])
    for c in compiled:
        if c.type in UNIQUE:
            row.update(_aggregate(frame, c.aggregates()))
    results = []
    for c in compiled:
        outcome = _result(c, row, int(row["rows"]))
        success = outcome.pop("success")
        config = ExpectationConfiguration(type=c.type, kwargs=dict(c.kwargs), meta=policy_meta(c.entry))
        results.append(ExpectationValidationResult(success=success, expectation_config=config, result=outcome))
    return results
