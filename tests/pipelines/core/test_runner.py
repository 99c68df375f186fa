"""Executing a plan: each step goes to its step function with its own spec, results come back in
plan order, and a step that raises stops the sector; every step runs inside its lineage events."""

from __future__ import annotations

import pytest

from pipelines.core import runner
from pipelines.core.plan import Step
from pipelines.core.spec import Catalog, FeedSpec, GoldSpec, Sector, SilverSpec
from pipelines.core.steps import RunContext, StepResult
from pipelines.io.retry import WriteStats

CATALOG = Catalog(owner="o", description="d")
SILVER_A = SilverSpec("s_a", FeedSpec("s", "a"), "m:f", ("id",), CATALOG)
SILVER_B = SilverSpec("s_b", FeedSpec("s", "b"), "m:f", ("id",), CATALOG)
GOLD = GoldSpec("g", ("s_a", "s_b"), "m:g", "", CATALOG)
SECTOR = Sector("s", "a sector", silver=(SILVER_A, SILVER_B), gold=(GOLD,))
CTX = RunContext("r1", "2026-11-02")


class StandIn:
    """The lake as the runner sees it: its write counters, and `stable` running a rebuild once (noted)."""

    def __init__(self) -> None:
        self.stats = WriteStats()
        self.stabilised: list[tuple] = []

    def stable(self, sources, action, what):
        self.stabilised.append((tuple(str(s) for s in sources), what))
        return action()


LAKE = StandIn()  # the step functions are replaced: the lake is only passed through


@pytest.fixture
def calls(monkeypatch) -> list[tuple[str, object]]:
    """Replace the three step functions by recorders that return a result naming the spec."""
    seen: list[tuple[str, object]] = []

    def recorder(step: str):
        def run(lake, spec, ctx):
            assert lake is LAKE and ctx is CTX
            seen.append((step, spec))
            return StepResult(step, getattr(spec, "table", getattr(spec, "name", "")), ctx.dt, ctx.run_id)

        return run

    for step, name in (("bronze", "ingest_bronze"), ("silver", "promote_silver"), ("gold", "build_gold")):
        monkeypatch.setattr(runner, name, recorder(step))

    def traced(lake, sector, step, ctx, execute):  # the lineage events (tests/pipelines/test_lineage.py)
        seen.append(("traced", step.task_id))
        return execute()

    monkeypatch.setattr(runner.lineage, "traced", traced)
    return seen


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (Step("bronze", "s_b", ()), ("bronze", SILVER_B.feed)),
        (Step("silver", "s_b", ("bronze__s_b",)), ("silver", SILVER_B)),
        (Step("gold", "g", ()), ("gold", GOLD)),
    ],
    ids=["bronze-gets-the-feed", "silver-gets-its-spec", "gold-gets-its-spec"],
)
def test_execute_dispatches_a_step_to_its_layer_with_its_spec(calls, step: Step, expected: tuple) -> None:
    runner.execute(LAKE, SECTOR, step, CTX)
    assert calls == [("traced", step.task_id), expected]  # between the step's lineage events


def test_run_sector_yields_every_result_in_plan_order_and_reports_each(calls) -> None:
    reported: list[StepResult] = []
    results = list(runner.run_sector(LAKE, SECTOR, CTX, on_result=reported.append))
    assert [(r.step, r.table) for r in results] == [
        ("bronze", "s_a"),
        ("silver", "s_a"),
        ("bronze", "s_b"),
        ("silver", "s_b"),
        ("gold", "g"),
    ]
    assert reported == results
    assert [c for c in calls if c[0] == "traced"] == [
        ("traced", t) for t in ("bronze__s_a", "silver__s_a", "bronze__s_b", "silver__s_b", "gold__g")
    ]


def test_a_failing_step_stops_its_downstream_steps(calls, monkeypatch) -> None:
    def fail(lake, spec, ctx):
        raise RuntimeError(f"{spec.name} blocked")

    monkeypatch.setattr(runner, "promote_silver", fail)
    done = []
    with pytest.raises(RuntimeError, match="s_a blocked"):
        for result in runner.run_sector(LAKE, SECTOR, CTX):
            done.append(result.step)
    assert done == ["bronze"]
    assert [step for step, _ in calls if step != "traced"] == ["bronze"]


def test_a_step_result_counts_the_conflicts_and_retries_of_its_own_writes(calls, monkeypatch) -> None:
    def racing(lake, spec, ctx):
        lake.stats.conflicts += 2  # what Lake.write counts when two commits lost a race
        lake.stats.retries += 2
        return StepResult("silver", spec.name, ctx.dt, ctx.run_id)

    monkeypatch.setattr(runner, "promote_silver", racing)
    LAKE.stats.conflicts, LAKE.stats.retries = 5, 4  # an earlier step's
    result = runner.execute(LAKE, SECTOR, Step("silver", "s_a", ("bronze__s_a",)), CTX)
    assert (result.conflicts, result.retries) == (2, 2)
    bronze = runner.execute(LAKE, SECTOR, Step("bronze", "s_a", ()), CTX)
    assert (bronze.conflicts, bronze.retries) == (0, 0)


def test_a_gold_rebuild_runs_on_stable_sources(calls) -> None:
    LAKE.stabilised.clear()
    runner.execute(LAKE, SECTOR, Step("gold", "g", ()), CTX)
    assert LAKE.stabilised == [(("silver.s_a", "silver.s_b"), "gold.g dt=2026-11-02")]
