"""The run summary: an aligned plain-text table of step results and the quarantine reasons."""

from __future__ import annotations

from pipelines.core.steps import StepResult
from pipelines.summary import reasons_lines, render, result_rows

SILVER = StepResult(
    "silver",
    "silver.tax_returns",
    "2026-11-02",
    "r1",
    rows_in=127,
    promoted=125,
    quarantined=2,
    reasons={"out_of_range": 1, "invalid_uscc": 1},
    gate="passed 20/20",
    version=3,
    seconds=28.66,
)
BRONZE = StepResult("bronze", "bronze.tax_returns", "2026-11-02", "r1", rows_in=127, promoted=127, seconds=3.04)


def test_render_aligns_columns_and_shows_none_as_a_dash() -> None:
    text = render([("a", None), ("long-name", 7)], headers=("table", "n"))
    assert text.splitlines() == [
        "table      n",
        "---------  -",
        "a          -",
        "long-name  7",
    ]


def test_result_rows_follow_the_headers() -> None:
    assert result_rows([BRONZE, SILVER]) == [
        ("bronze.tax_returns", "2026-11-02", "ok", 127, 127, 0, 0, "-", None, "3.0"),
        ("silver.tax_returns", "2026-11-02", "ok", 127, 125, 2, 0, "passed 20/20", 3, "28.7"),
    ]
    lines = render(result_rows([SILVER])).splitlines()
    assert lines[0].split() == [
        "table",
        "dt",
        "status",
        "in",
        "promoted",
        "quarantined",
        "duplicates",
        "gate",
        "version",
        "s",
    ]
    assert lines[2].split()[:3] == ["silver.tax_returns", "2026-11-02", "ok"]


def test_reasons_lines_only_for_tables_with_reasons_sorted_by_reason() -> None:
    assert reasons_lines([BRONZE, SILVER]) == ["  silver.tax_returns dt=2026-11-02: invalid_uscc=1, out_of_range=1"]
