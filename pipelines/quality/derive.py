"""Expectations derived from the table specs: what the declarations already say.

A silver table's contract names its key, required columns, code lists, ranges and
identifier checks; the gate adds those expectations (policy `block`) to the hand-written
suite of `quality/suites/silver/<table>.yaml`, so the two never drift apart. The row rules
quarantine offending rows before the gate, so a derived expectation failing means a
transform broke the contract.
"""

from __future__ import annotations

from typing import Any

CHECK_EXPECTATIONS = {
    "uscc": "expect_column_values_to_be_valid_uscc",
    "jiangsu_division": "expect_column_values_to_be_jiangsu_division",
}


def derived_expectations(layer: str, table: str) -> list[dict[str, Any]]:
    """Expectations implied by the spec of `<layer>.<table>` (silver tables; others: none)."""
    from pipelines import registry

    if layer != "silver":
        return []
    spec = next((s for sector in registry.SECTORS.values() for s in sector.silver if s.name == table), None)
    if spec is None:
        return []
    why = f"derived from the contract schemas/feeds/{spec.feed.table}.yaml"
    entries: list[dict[str, Any]] = []

    def add(kind: str, **kwargs: Any) -> None:
        entries.append({"type": kind, "kwargs": kwargs, "policy": "block", "why": why})

    if spec.write != "scd2":  # type-2 history holds several versions per key
        if len(spec.key) == 1:
            add("expect_column_values_to_be_unique", column=spec.key[0])
        else:
            add("expect_compound_columns_to_be_unique", column_list=list(spec.key))
    for column in spec.feed.contract.columns:
        if column.pii:
            continue  # replaced by its token in silver
        if column.required:
            add("expect_column_values_to_not_be_null", column=column.name)
        if column.values:
            add("expect_column_values_to_be_in_set", column=column.name, value_set=list(column.values))
        if column.min is not None or column.max is not None:
            add("expect_column_values_to_be_between", column=column.name, min_value=column.min, max_value=column.max)
        for check in column.checks:
            if check in CHECK_EXPECTATIONS:
                add(CHECK_EXPECTATIONS[check], column=column.name)
    return entries


def merge_suites(
    written: list[dict[str, Any]], derived: list[dict[str, Any]], columns: list[str]
) -> list[dict[str, Any]]:
    """The hand-written suite plus derived expectations it does not already have.

    Derived expectations on columns the frame does not carry (renamed by a transform) are left out.
    """

    def key(entry: dict[str, Any]) -> tuple[str, str]:
        kwargs = entry.get("kwargs", {})
        return entry["type"], str(kwargs.get("column") or kwargs.get("column_list"))

    present = {key(e) for e in written}
    extra = [
        e
        for e in derived
        if key(e) not in present
        and all(c in columns for c in (e["kwargs"].get("column_list") or [e["kwargs"]["column"]]))
    ]
    return written + extra
