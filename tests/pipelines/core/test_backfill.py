"""User story 2 end to end on local Spark + Delta: a department adds a field.

Day 1 the tax returns arrive as the contract says; day 2 they carry one more column (the
generator's schema drift: `备注`), which bronze keeps in `_extra` and silver ignores. The
engineer then declares it: a contract column `remark` (source `备注`, default `未记录`) and a
gold build that counts remarked returns (default 0). Day 3's run adds the columns to bronze,
silver and gold by explicit, recorded `ALTER TABLE … ADD COLUMNS`; old rows get the defaults;
the backfill fills day 2's silver rows from bronze's `_extra`, every row accounted for.
The contract and declarations changed are copies in a temporary folder (CONTRACTS_DIR, TABLES_DIR).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pipelines.core import contract as contract_module
from pipelines.core import spec as spec_module
from pipelines.core.backfill import backfill_column
from pipelines.core.contract import load_contract
from pipelines.core.runner import run_sector
from pipelines.core.spec import load_sector
from pipelines.core.steps import RunContext
from pipelines.generate.api import generate
from pipelines.io.lake import Lake
from pipelines.io.refs import TableRef
from pipelines.tax.gold import revenue_monthly

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
DAY1, DAY2, DAY3 = "2026-11-02", "2026-11-03", "2026-11-04"
SILVER, BRONZE, GOLD = (
    TableRef("silver", "tax_returns"),
    TableRef("bronze", "tax_returns"),
    TableRef("gold", "tax_revenue_monthly"),
)


def revenue_with_remarks(sources: Mapping[str, DataFrame], as_of: date) -> DataFrame:
    """The engineer's new gold build: the monthly revenue plus how many of its returns carry a remark."""
    base = revenue_monthly(sources, as_of)
    grain = ["tax_period", "city_code", "industry_section", "tax_type_code"]
    remarked = sources["tax_returns"].groupBy(*grain).agg(F.count("remark").alias("remarked"))
    return base.join(remarked, on=grain, how="left").select(*base.columns, "remarked")


def _declare_the_field(folder: Path) -> None:
    """The engineer's change: the contract column and the gold build (in the copies of schemas/)."""
    feed = folder / "feeds" / "tax_returns.yaml"
    text = feed.read_text("utf-8").replace(
        "\nrow_rules:", '\n  - {name: remark, source: 备注, type: string, default: "未记录"}\nrow_rules:'
    )
    feed.write_text(text, "utf-8")
    tables = folder / "tables" / "tax.yaml"
    text = tables.read_text("utf-8").replace(
        "    build: pipelines.tax.gold:revenue_monthly\n",
        f"    build: {__name__}:revenue_with_remarks\n    defaults: {{remarked: 0}}\n",
    )
    tables.write_text(text, "utf-8")


@pytest.fixture
def declared(tmp_path, monkeypatch):
    """Point CONTRACTS_DIR and TABLES_DIR at a copy of this tree's schemas/; returns the function that
    declares the field there and loads the changed tax sector."""
    folder = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas" / "feeds", folder / "feeds")
    shutil.copytree(ROOT / "schemas" / "tables", folder / "tables")
    monkeypatch.setattr(contract_module, "CONTRACTS_DIR", folder / "feeds")
    monkeypatch.setattr(spec_module, "TABLES_DIR", folder / "tables")
    load_contract.cache_clear()

    def declare():
        _declare_the_field(folder)
        load_contract.cache_clear()
        return load_sector("tax")

    yield declare
    load_contract.cache_clear()


def _run(lake: Lake, sector, dt: str) -> dict[str, object]:
    results = run_sector(lake, sector, RunContext(run_id=f"run-{dt}", dt=dt))
    return {r.table: r for r in results}


def test_a_department_adds_a_field(spark, fresh_settings, declared) -> None:
    landing = Path(fresh_settings.landing_root)
    generate(landing, date.fromisoformat(DAY1), scale=0.05, defect_rate=0.0, sectors=["tax"])
    drift = ("tax/returns:schema_drift",)
    generate(
        landing, date.fromisoformat(DAY2), days=2, scale=0.05, defect_rate=0.0, sectors=["tax"], delivery_defects=drift
    )
    files = sorted((landing / "tax" / "returns" / f"dt={DAY3}").glob("*.csv"))
    assert len(files) == 1  # the drift column is in every file of the delivery (the contract now requires it)
    lake = Lake(spark, fresh_settings)
    tax = load_sector("tax")

    _run(lake, tax, DAY1)
    day2 = _run(lake, tax, DAY2)
    assert "schema drift: ['备注'] not in the contract, ignored by silver" in day2["silver.tax_returns"].message
    kept = lake.read(BRONZE, dt=DAY2).select(F.col("_extra").getItem("备注").alias("v")).distinct().collect()
    assert [r["v"] for r in kept] == ["正常申报"]
    assert "remark" not in lake.read(SILVER).columns
    silver_before = {r["declaration_id"]: r["_dt"] for r in lake.read(SILVER).collect()}
    gold_version = lake.version(GOLD)

    changed = declared()  # the contract column and the gold build are declared
    day3 = _run(lake, changed, DAY3)
    assert "schema drift" not in day3["silver.tax_returns"].message

    silver = lake.read(SILVER)
    rows = {r["declaration_id"]: r for r in silver.collect()}
    assert set(rows) >= set(silver_before)  # nothing lost
    assert silver.count() == silver.select("declaration_id").distinct().count()  # nothing doubled
    by_dt = {str(dt): {r["remark"] for r in rows.values() if str(r["_dt"]) == dt} for dt in (DAY1, DAY2, DAY3)}
    assert by_dt == {DAY1: {"未记录"}, DAY2: {"未记录"}, DAY3: {"正常申报"}}  # old rows: the declared default

    changes = [(c["table"], c["column"], c["change"], c["run_id"], c["dt"]) for c in lake.schema_changes()]
    assert changes == [
        ("bronze.tax_returns", "remark", "add_column", f"run-{DAY3}", DAY3),
        ("silver.tax_returns", "remark", "add_column", f"run-{DAY3}", DAY3),
        ("silver.tax_returns", "remark", "default", f"run-{DAY3}", DAY3),
        ("gold.tax_revenue_monthly", "remarked", "add_column", f"run-{DAY3}", DAY3),
        ("gold.tax_revenue_monthly", "remarked", "default", f"run-{DAY3}", DAY3),
    ]
    [added] = [c for c in lake.schema_changes(SILVER) if c["change"] == "add_column"]
    history = {h["version"]: h["operation"] for h in lake.history(SILVER)}
    assert history[added["version_after"]] == "ADD COLUMNS" and added["version_before"] == added["version_after"] - 1
    gold_changes = lake.schema_changes(GOLD)
    assert gold_changes[0]["version_before"] == gold_version
    gold = lake.read(GOLD)
    rebuilt = set(day3["gold.tax_revenue_monthly"].partitions)
    assert rebuilt and gold.where("remarked IS NULL").count() == 0
    assert {r["remarked"] for r in gold.where(~F.col("tax_period").isin(*rebuilt)).collect()} <= {0}  # the default
    in_rebuilt = sum(1 for r in rows.values() if r["tax_period"] in rebuilt)
    assert gold.where(F.col("tax_period").isin(*rebuilt)).agg(F.sum("remarked")).first()[0] == in_rebuilt

    # the backfill: day 2's rows get the field bronze kept in `_extra`
    count_before = silver.count()
    said: list[str] = []
    result = backfill_column(
        lake, changed.silver_table("tax_returns"), "remark", DAY2, DAY2, RunContext("backfill-1", DAY2), said.append
    )
    day2_rows = sum(1 for r in rows.values() if str(r["_dt"]) == DAY2)
    assert result.rows_in == result.promoted == day2_rows > 0
    assert said == [
        f"backfill silver.tax_returns.remark dt={DAY2}: silver rows {day2_rows} = filled {day2_rows} "
        f"(with a value {day2_rows}) + not found in bronze 0; valid bronze rows {day2['bronze.tax_returns'].rows_in}, "
        f"of which {day2['bronze.tax_returns'].rows_in - day2_rows} superseded by a later version"
    ]
    after = lake.read(SILVER)
    assert after.count() == count_before
    by_dt = {str(r["_dt"]): set() for r in after.collect()}
    for r in after.collect():
        by_dt[str(r["_dt"])].add(r["remark"])
    assert by_dt == {DAY1: {"未记录"}, DAY2: {"正常申报"}, DAY3: {"正常申报"}}
    assert len(lake.schema_changes()) == 5  # the backfill changed no schema
    # a second backfill changes nothing
    again = backfill_column(
        lake, changed.silver_table("tax_returns"), "remark", DAY2, DAY2, RunContext("backfill-2", DAY2), said.append
    )
    assert again.promoted == day2_rows and lake.read(SILVER).count() == count_before
