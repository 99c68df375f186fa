"""Fixtures of the integration tests shared across modules."""

from __future__ import annotations

from datetime import date

import pytest

ANALYST_DT = "2026-11-02"
ANALYST_SECTORS = ("tax", "health")


@pytest.fixture(scope="session")
def analyst_lake(spark, settings, tmp_path_factory):
    """One generated day of tax and health deliveries run through both sectors in-process,
    recorded in `ops.run_metrics`, and the data-sharing directory built (for the analyst tests)."""
    from pipelines import ops, registry
    from pipelines.analyst.directory import build_directory
    from pipelines.core.runner import run_sector
    from pipelines.core.steps import RunContext
    from pipelines.generate.api import generate
    from pipelines.io.lake import Lake

    root = tmp_path_factory.mktemp("analyst_lake")
    lake = settings.with_overrides(
        landing_root=str(root / "landing"),
        lake_root=str(root / "lake"),
        docs_dir=str(root / "docs"),
        metastore_dir=str(root / "metastore"),
    )
    generate(lake.landing_root, date.fromisoformat(ANALYST_DT), scale=0.2, seed=11, sectors=list(ANALYST_SECTORS))
    ctx, io = RunContext("it-analyst", ANALYST_DT, dag_id="cli"), Lake(spark, lake)
    for name in ANALYST_SECTORS:
        for result in run_sector(io, registry.SECTORS[name], ctx):
            ops.record(io, ctx, [result])
    build_directory(lake)
    return lake
