"""Running a layer's Great Expectations suite on a batch before it is promoted.

Suites are versioned YAML files, `quality/suites/<layer>/<table>.yaml`, plus the
expectations a silver table's spec implies (`pipelines.quality.derive`): a list of GX
expectations (type + kwargs) each with a `policy`: `block` (a failure stops promotion:
the step raises `GateFailed` and writes nothing) or `warn` (recorded only). Results go
to GX's validation store and Data Docs under `settings.docs_dir`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from pipelines.quality.suites import load_suite, policy_meta, quarantine_rule
from pipelines.settings import Settings


@dataclass(frozen=True)
class Outcome:
    """One expectation's result."""

    expectation: str
    column: str
    policy: str
    success: bool
    failing: int
    sample: tuple[Any, ...] = ()
    arguments: str = ""  # the expectation's other arguments (JSON): tells two checks of one column apart

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


def quarantine_gate(table: str, rows: int, quarantined: int) -> GateResult:
    """The delivery-level threshold of a silver suite: `quarantine: {max_share: 0.01, policy: block}`.

    Args:
        table: the silver table.
        rows: rows of the delivery (bronze rows of the date).
        quarantined: rows the row rules rejected.

    Returns:
        A result with one outcome (none when the suite sets no threshold).
    """
    rule = quarantine_rule(table)
    name = f"silver.{table}"
    if not rule:
        return GateResult(name, name)
    share = quarantined / rows if rows else 0.0
    outcome = Outcome(
        "quarantined_share_at_most",
        f"<= {rule['max_share']:.2%}",
        rule.get("policy", "block"),
        share <= rule["max_share"],
        quarantined,
        (f"{share:.2%} of {rows} rows",),
    )
    return GateResult(name, name, (outcome,))


_CONTEXTS: dict[str, Any] = {}


def _context(settings: Settings) -> Any:
    """The GX file context (stores and Data Docs) under `settings.docs_dir`, one per folder."""
    if settings.docs_dir not in _CONTEXTS:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        import pipelines.quality.expectations  # noqa: F401 - registers the domain expectations
        from pipelines.quality.docs import ensure_offline_site

        context = gx.get_context(mode="file", project_root_dir=settings.docs_dir)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        ensure_offline_site(context, settings.docs_dir)
        _CONTEXTS[settings.docs_dir] = context
    return _CONTEXTS[settings.docs_dir]


def _get_or_add(getter: Any, adder: Any, name: str) -> Any:
    try:
        return getter(name)
    except Exception:  # GX raises different errors per store when a name is unknown
        return adder(name)


def run_gate(
    frame: Any, layer: str, table: str, run_id: str, settings: Settings, engine: str = "single_pass"
) -> GateResult:
    """Validate `frame` with the suite of `<layer>.<table>`.

    Args:
        frame: the batch about to be promoted (a Spark DataFrame).
        layer: bronze, silver or gold.
        table: the table name.
        run_id: names the validation run in the results and Data Docs.
        settings: where the GX project and Data Docs live.
        engine: `single_pass` — every expectation GX's Spark engine would run as its own
            job is compiled into one aggregation (`pipelines.quality.single_pass`); GX still
            stores the results and renders Data Docs. `gx` — GX's own per-expectation execution.

    Returns:
        The gate's result (check `passed`; `enforce` raises on a blocking failure).
    """
    from pipelines.quality import single_pass
    from pipelines.quality.derive import derived_expectations, merge_suites

    entries = merge_suites(load_suite(layer, table), derived_expectations(layer, table), list(frame.columns))
    name = f"{layer}.{table}"
    if not entries:
        return GateResult(name, "(none)")

    compiled = single_pass.compile_suite(entries) if engine == "single_pass" else None
    if compiled is None:
        return _run_gx(frame, name, entries, run_id, settings)
    results = single_pass.evaluate(frame, compiled)
    docs = _store_and_render(name, results, run_id, settings)
    return GateResult(name, name, tuple(_outcome(r) for r in results), docs)


def _outcome(result: Any) -> Outcome:
    config = result.expectation_config
    return Outcome(
        expectation=config.type,
        column=str(config.kwargs.get("column") or config.kwargs.get("column_list") or ""),
        policy=config.meta.get("policy", "block"),
        success=bool(result.success),
        failing=int(result.result.get("unexpected_count") or (0 if result.success else 1)),
        sample=tuple(result.result.get("partial_unexpected_list") or ()),
        arguments=json.dumps(
            {k: v for k, v in config.kwargs.items() if k not in ("column", "column_list", "batch_id")},
            sort_keys=True,
            default=str,
            ensure_ascii=False,
        ),
    )


def _store_and_render(name: str, results: list[Any], run_id: str, settings: Settings) -> str:
    """Keep a suite result in GX's validation store and render its Data Docs page."""
    from datetime import UTC, datetime

    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    ctx = _context(settings)
    run = RunIdentifier(run_name=run_id, run_time=datetime.now(UTC))
    evaluated = len(results)
    passed = sum(1 for r in results if r.success)
    suite_result = ExpectationSuiteValidationResult(
        success=all(r.success or r.expectation_config.meta.get("policy") == "warn" for r in results),
        results=results,
        suite_name=name,
        statistics={
            "evaluated_expectations": evaluated,
            "successful_expectations": passed,
            "unsuccessful_expectations": evaluated - passed,
            "success_percent": 100.0 * passed / evaluated if evaluated else None,
        },
        meta={
            "engine": "lakehouse single-pass aggregation",
            "run_id": run_id,
            "active_batch_definition": {"datasource_name": "spark", "data_asset_name": name},
        },
    )
    key = ValidationResultIdentifier(ExpectationSuiteIdentifier(name), run, batch_identifier=name)
    ctx.validation_results_store.set(key, suite_result)
    ctx.build_data_docs(resource_identifiers=[key])  # the site's backend writes it offline-ready
    return page_for(settings.docs_dir, key)


def page_for(docs_dir: str, key: Any) -> str:
    """The Data Docs page of a validation result: `validations/<suite>/<run>/<time>/<batch>.html`."""
    parts = key.to_tuple()
    from pipelines.quality.docs import site_dir

    site = site_dir(docs_dir) / "validations"
    return str(site.joinpath(*parts[:-1], f"{parts[-1]}.html"))


def _run_gx(frame: Any, name: str, entries: list[dict[str, Any]], run_id: str, settings: Settings) -> GateResult:
    """GX's own execution: a checkpoint over a Spark dataframe asset (one job per metric)."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.expectations.registry import get_expectation_impl

    ctx = _context(settings)
    source = _get_or_add(ctx.data_sources.get, ctx.data_sources.add_spark, "spark")
    asset = _get_or_add(source.get_asset, source.add_dataframe_asset, name)
    batch = _get_or_add(asset.get_batch_definition, asset.add_batch_definition_whole_dataframe, "batch")
    suite = gx.ExpectationSuite(name)
    for entry in entries:
        suite.add_expectation(get_expectation_impl(entry["type"])(**entry.get("kwargs", {}), meta=policy_meta(entry)))
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
    outcomes = tuple(_outcome(r) for v in run.run_results.values() for r in v.results)
    pages = [page_for(settings.docs_dir, key) for key in run.run_results]
    return GateResult(name, name, outcomes, pages[0] if pages else "")


def enforce(result: GateResult) -> GateResult:
    """Raise `GateFailed` when a blocking expectation failed; otherwise return the result."""
    if not result.passed:
        raise GateFailed(result)
    return result
