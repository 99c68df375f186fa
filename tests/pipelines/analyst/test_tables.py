"""The lake's tables as analysts address them: every spec gives its tables in layer order, bronze
and quarantine are always restricted, and the declared graph tells what is built from what."""

from __future__ import annotations

from pipelines import registry
from pipelines.analyst.tables import LAYERS, downstream, inventory


def test_every_feed_gives_bronze_quarantine_and_silver_and_every_gold_spec_its_table() -> None:
    tables = inventory()
    for sector in registry.SECTORS.values():
        for silver in sector.silver:
            feed = silver.feed.table
            assert {f"bronze.{feed}", f"quarantine.{feed}", f"silver.{silver.name}"} <= set(tables)
        assert {f"gold.{g.name}" for g in sector.gold} <= set(tables)
    assert {"ops.run_metrics", "ops.quality_results", "ops.query_audit"} <= set(tables)
    layers = [t.layer for t in tables.values()]
    assert layers == sorted(layers, key=LAYERS.index)


def test_bronze_and_quarantine_are_restricted_whatever_the_silver_class() -> None:
    tables = inventory()
    assert tables["silver.tax_returns"].sharing == "conditional"
    assert tables["bronze.tax_returns"].sharing == tables["quarantine.tax_returns"].sharing == "restricted"
    assert tables["bronze.tax_returns"].catalog.owner == tables["silver.tax_returns"].catalog.owner


def test_the_declared_graph() -> None:
    tables = inventory()
    assert tables["bronze.tax_returns"].sources == ("landing.tax/returns",)
    assert tables["gold.tax_revenue_monthly"].sources == ("silver.tax_returns",)
    assert downstream("bronze.tax_returns") == ["quarantine.tax_returns", "silver.tax_returns"]
    assert "gold.tax_revenue_monthly" in downstream("silver.tax_returns")


def test_ref_and_uri() -> None:
    table = inventory()["gold.tax_revenue_monthly"]
    assert table.ref == "gold.tax_revenue_monthly"
    assert table.uri("s3://lake/prod/") == "s3://lake/prod/gold/tax_revenue_monthly"
