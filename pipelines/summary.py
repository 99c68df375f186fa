"""Printing run results as a table (CLI, Airflow logs, `make run`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pipelines.core.steps import StepResult

HEADERS = ("table", "dt", "status", "in", "promoted", "quarantined", "duplicates", "gate", "version", "s")


def render(rows: Sequence[Sequence[object]], headers: Sequence[str] = HEADERS) -> str:
    """A plain aligned text table."""
    cells = [list(map(str, headers))] + [[("-" if v is None else str(v)) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells[1:]]
    return "\n".join(out)


def result_rows(results: Iterable[StepResult]) -> list[tuple[object, ...]]:
    """Summary rows of step results."""
    return [
        (
            r.table,
            r.dt,
            r.status,
            r.rows_in,
            r.promoted,
            r.quarantined,
            r.duplicates,
            r.gate,
            r.version,
            f"{r.seconds:.1f}",
        )
        for r in results
    ]


def reasons_lines(results: Iterable[StepResult]) -> list[str]:
    """`silver.tax_returns: invalid_uscc=3, out_of_range=2` for tables with quarantined rows."""
    return [
        f"  {r.table} dt={r.dt}: " + ", ".join(f"{k}={v}" for k, v in sorted(r.reasons.items()))
        for r in results
        if r.reasons
    ]
