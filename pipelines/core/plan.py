"""A sector's plan: its steps and their dependencies, derived from the specs (no Spark import)."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.core.spec import Sector


@dataclass(frozen=True)
class Step:
    """One task of a sector's plan: a layer and a table, and the steps it waits for."""

    layer: str
    table: str
    upstream: tuple[str, ...]

    @property
    def task_id(self) -> str:
        """`bronze__tax_returns`: the Airflow task id."""
        return f"{self.layer}__{self.table}"


def plan(sector: Sector) -> list[Step]:
    """The sector's steps in dependency order: bronze per feed, silver per table, gold per table."""
    steps = []
    for spec in sector.silver:
        bronze = Step("bronze", spec.feed.table, ())
        steps += [bronze, Step("silver", spec.name, (bronze.task_id,))]
    for gold in sector.gold:
        inside = tuple(f"{ref.layer}__{ref.name}" for ref in gold.source_refs if sector.produces(ref))
        steps.append(Step("gold", gold.name, inside))
    return steps
