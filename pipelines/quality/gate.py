"""Running a layer's Great Expectations suite on a batch before it is promoted.

Suites are versioned YAML files, `quality/suites/<layer>/<table>.yaml`: a list of GX
expectations (type + kwargs) each with a `policy`: `block` (a failure stops promotion:
the step raises `GateFailed` and writes nothing) or `warn` (recorded only). Results go
to GX's validation store and Data Docs under `settings.docs_dir`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.settings import Settings

SUITES_DIR = Path(__file__).resolve().parents[2] / "quality" / "suites"
POLICIES = ("block", "warn")


@dataclass(frozen=True)
class Outcome:
    """One expectation's result."""

    expectation: str
    column: str
    policy: str
    success: bool
    failing: int
    sample: tuple[Any, ...] = ()

    def describe(self) -> str:
        """`expect_x(column): N failing, e.g. [...]`."""
        sample = f", e.g. {list(self.sample)[:5]}" if self.sample else ""
        return f"{self.expectation}({self.column or '-'}) [{self.policy}]: {self.failing} failing{sample}"


@dataclass(frozen=True)
class GateResult:
    """A suite's verdict on one batch."""

    table: str
    suite: str
    outcomes: tuple[Outcome, ...] = field(default=())
    docs: str = ""

    @property
    def passed(self) -> bool:
        """No blocking expectation failed."""
        return all(o.success or o.policy != "block" for o in self.outcomes)

    @property
    def warnings(self) -> tuple[Outcome, ...]:
        """Failed expectations whose policy is warn."""
        return tuple(o for o in self.outcomes if not o.success and o.policy == "warn")

    def summary(self) -> str:
        """`passed 7/7` or `FAILED 1 blocking of 7`."""
        failed = [o for o in self.outcomes if not o.success]
        if self.passed:
            return f"passed {len(self.outcomes) - len(failed)}/{len(self.outcomes)}" + (
                f" ({len(failed)} warn)" if failed else ""
            )
        blocking = [o for o in failed if o.policy == "block"]
        return f"FAILED {len(blocking)} blocking of {len(self.outcomes)}"


class GateFailed(Exception):
    """A blocking expectation failed: the batch is not promoted."""

    def __init__(self, result: GateResult) -> None:
        self.result = result
        lines = [o.describe() for o in result.outcomes if not o.success and o.policy == "block"]
        super().__init__(
            f"quality gate failed for {result.table} (suite {result.suite}): "
            + "; ".join(lines)
            + (f"; Data Docs: {result.docs}" if result.docs else "")
        )


def load_suite(layer: str, table: str) -> list[dict[str, Any]]:
    """The expectations of `quality/suites/<layer>/<table>.yaml` (empty when there is none)."""
    path = SUITES_DIR / layer / f"{table}.yaml"
    if not path.exists():
        return []
    entries = yaml.safe_load(path.read_text("utf-8"))["expectations"]
    for entry in entries:
        if entry.get("policy", "block") not in POLICIES:
            raise ValueError(f"{path}: policy must be one of {POLICIES}: {entry}")
    return entries


_CONTEXT: Any = None


def _context(settings: Settings) -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _CONTEXT = gx.get_context(mode="file", project_root_dir=settings.docs_dir)
        _CONTEXT.variables.progress_bars = ProgressBarsConfig(globally=False)
    return _CONTEXT


def _get_or_add(getter: Any, adder: Any, name: str) -> Any:
    try:
        return getter(name)
    except Exception:  # GX raises different errors per store when a name is unknown
        return adder(name)


def run_gate(frame: Any, layer: str, table: str, run_id: str, settings: Settings) -> GateResult:
    """Validate `frame` with the suite of `<layer>.<table>`.

    Args:
        frame: the batch about to be promoted (a Spark DataFrame).
        layer: bronze, silver or gold.
        table: the table name.
        run_id: names the validation run in the results and Data Docs.
        settings: where the GX project and Data Docs live.

    Returns:
        The gate's result (check `passed`; `enforce` raises on a blocking failure).
    """
    entries = load_suite(layer, table)
    name = f"{layer}.{table}"
    if not entries:
        return GateResult(name, "(none)")
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.expectations.registry import get_expectation_impl

    ctx = _context(settings)
    source = _get_or_add(ctx.data_sources.get, ctx.data_sources.add_spark, "spark")
    asset = _get_or_add(source.get_asset, source.add_dataframe_asset, name)
    batch = _get_or_add(asset.get_batch_definition, asset.add_batch_definition_whole_dataframe, "batch")
    suite = gx.ExpectationSuite(name)
    for entry in entries:
        meta = {"policy": entry.get("policy", "block"), "why": entry.get("why", "")}
        suite.add_expectation(get_expectation_impl(entry["type"])(**entry.get("kwargs", {}), meta=meta))
    suite = ctx.suites.add_or_update(suite)
    definition = ctx.validation_definitions.add_or_update(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    checkpoint = ctx.checkpoints.add_or_update(
        gx.Checkpoint(
            name=name,
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
        )
    )
    run = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_id))
    outcomes = []
    for validation in run.run_results.values():
        for r in validation.results:
            config = r.expectation_config
            outcomes.append(
                Outcome(
                    expectation=config.type,
                    column=str(config.kwargs.get("column") or config.kwargs.get("column_list") or ""),
                    policy=config.meta.get("policy", "block"),
                    success=bool(r.success),
                    failing=int(r.result.get("unexpected_count") or (0 if r.success else 1)),
                    sample=tuple(r.result.get("partial_unexpected_list") or ()),
                )
            )
    docs = Path(settings.docs_dir) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return GateResult(name, name, tuple(outcomes), str(docs))


def enforce(result: GateResult) -> GateResult:
    """Raise `GateFailed` when a blocking expectation failed; otherwise return the result."""
    if not result.passed:
        raise GateFailed(result)
    return result
