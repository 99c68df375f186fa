"""Running sectors in-process: the plan of `pipelines.core.plan`, executed step by step.

The Airflow DAG factory builds its tasks from the same plan and calls the same
`execute`, so a sector runs the same way from `lakehouse run` and from Airflow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pipelines import lineage
from pipelines.core.plan import Step, plan
from pipelines.core.spec import Sector
from pipelines.core.steps import RunContext, StepResult, build_gold, ingest_bronze, promote_silver
from pipelines.io.lake import Lake


def execute(lake: Lake, sector: Sector, step: Step, ctx: RunContext) -> StepResult:
    """Run one step of a sector's plan, between its OpenLineage START and COMPLETE/FAIL events.

    Its result counts the write conflicts it met and the retries it made.
    """
    seen = lake.stats.copy()
    result = lineage.traced(lake, sector, step, ctx, lambda: _execute(lake, sector, step, ctx))
    result.conflicts, result.retries = lake.stats.since(seen)
    return result


def _execute(lake: Lake, sector: Sector, step: Step, ctx: RunContext) -> StepResult:
    if step.layer == "bronze":
        feed = next(s.feed for s in sector.silver if s.feed.table == step.table)
        return ingest_bronze(lake, feed, ctx)
    if step.layer == "silver":
        return promote_silver(lake, sector.silver_table(step.table), ctx)
    gold = next(g for g in sector.gold if g.name == step.table)
    # A rebuild must not be computed from a source snapshot that misses a concurrent commit.
    return lake.stable(gold.source_refs, lambda: build_gold(lake, gold, ctx), f"gold.{gold.name} dt={ctx.dt}")


def run_sector(
    lake: Lake,
    sector: Sector,
    ctx: RunContext,
    on_result: Callable[[StepResult], None] = lambda r: None,
) -> Iterator[StepResult]:
    """Run every step of `sector` for `ctx.dt`, in plan order, yielding each result.

    A step that raises stops the sector (its downstream steps are not run).
    """
    for step in plan(sector):
        result = execute(lake, sector, step, ctx)
        on_result(result)
        yield result
