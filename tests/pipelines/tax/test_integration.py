"""A whole tax run on local Spark + Delta, checked with an independent reader (delta-rs)
against numbers computed here in plain Python from the delivered GBK files minus the
generator's ground-truth defects."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines import registry
from pipelines.core.runner import run_sector
from pipelines.core.steps import RunContext, ingest_bronze, promote_silver
from pipelines.generate.api import generate
from pipelines.io import delta
from pipelines.io.lake import Lake
from pipelines.io.landing import DeliveryRejected
from pipelines.io.refs import TableRef
from pipelines.quality import gate
from pipelines.query import read_table

pytestmark = pytest.mark.integration
DAYS = ("2026-11-02", "2026-11-03")
ROW_DEFECTS = {"missing_required", "invalid_uscc", "invalid_division", "out_of_range", "future_date", "unparseable_row"}


def _truth(landing: Path, dt: str) -> list[dict]:
    path = landing / "_ground_truth" / "tax" / "returns" / f"dt={dt}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def expected_silver(landing: Path) -> dict[str, dict]:
    """Highest version per declaration over all days' clean rows (plain Python)."""
    best: dict[str, dict] = {}
    for dt in DAYS:
        bad = {(t["file"], t["row"]) for t in _truth(landing, dt) if t["defect"] in ROW_DEFECTS}
        for path in sorted((landing / "tax" / "returns" / f"dt={dt}").glob("*.csv")):
            rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gbk"))))
            for number, row in enumerate(rows[1:], start=1):
                if (path.name, number) in bad:
                    continue
                record = {
                    "id": row[0],
                    "period": row[2],
                    "type": row[3],
                    "due": Decimal(row[5]),
                    "paid": Decimal(row[6]),
                    "division": row[8],
                    "industry": row[9],
                    "version": int(row[10]),
                }
                if record["id"] not in best or record["version"] >= best[record["id"]]["version"]:
                    best[record["id"]] = record
    return best


def expected_gold(silver: dict[str, dict]) -> dict[tuple, tuple]:
    gold: dict[tuple, list] = defaultdict(lambda: [0, Decimal("0"), Decimal("0")])
    for r in silver.values():
        cell = gold[(r["period"], r["division"][:4] + "00", r["industry"][0], r["type"])]
        cell[0] += 1
        cell[1] += r["due"]
        cell[2] += r["paid"]
    return {k: tuple(v) for k, v in gold.items()}


def _gold_now(settings) -> dict[tuple, tuple]:
    return {
        (r["tax_period"], r["city_code"], r["industry_section"], r["tax_type_code"]): (
            r["returns"],
            r["tax_due_cny"],
            r["tax_paid_cny"],
        )
        for r in read_table(settings, "gold", "tax_revenue_monthly")
    }


@pytest.fixture(scope="module")
def tax_lake(spark, settings, tmp_path_factory):
    """Two generated days with defects, run through the tax sector once."""
    root = tmp_path_factory.mktemp("tax_run")
    run_settings = settings.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )
    generate(run_settings.landing_root, date(2026, 11, 2), days=2, scale=0.3, seed=7, sectors=["tax"], defect_rate=0.05)
    results = []
    for dt in DAYS:
        results += list(run_sector(Lake(spark, run_settings), registry.SECTORS["tax"], RunContext("it-1", dt)))
    return run_settings, results


def test_gold_equals_independent_computation(tax_lake) -> None:
    settings, _ = tax_lake
    landing = Path(settings.landing_root)
    assert _gold_now(settings) == expected_gold(expected_silver(landing))


def test_silver_holds_the_highest_version_of_every_clean_declaration(tax_lake) -> None:
    settings, _ = tax_lake
    silver = {r["declaration_id"]: r["version"] for r in read_table(settings, "silver", "tax_returns")}
    assert silver == {k: v["version"] for k, v in expected_silver(Path(settings.landing_root)).items()}


def test_exactly_the_injected_rows_are_quarantined_with_their_reason(tax_lake) -> None:
    settings, _ = tax_lake
    quarantined = {
        (str(r["_dt"]), r["_source_file"], r["_row_no"]): {x.split(":")[0] for x in r["reasons"]}
        for r in read_table(settings, "quarantine", "tax_returns")
    }
    injected = {
        (dt, t["file"], t["row"]): t["defect"]
        for dt in DAYS
        for t in _truth(Path(settings.landing_root), dt)
        if t["defect"] in ROW_DEFECTS
    }
    assert injected, "the generator injected no row defects: the test would prove nothing"
    assert set(quarantined) == set(injected)
    assert all(injected[k] in quarantined[k] for k in injected)


def test_every_row_is_accounted_for(tax_lake) -> None:
    _, results = tax_lake
    for r in results:
        if r.step == "silver":
            assert r.rows_in == r.promoted + r.quarantined + r.duplicates > 0
    bronze = {r.dt: r.rows_in for r in results if r.step == "bronze"}
    silver = {r.dt: r.rows_in for r in results if r.step == "silver"}
    assert bronze == silver


def test_rerun_leaves_the_same_tables(spark, tax_lake) -> None:
    settings, _ = tax_lake
    before = (_gold_now(settings), sorted(map(str, read_table(settings, "silver", "tax_returns"))).__len__())
    for dt in DAYS:
        list(run_sector(Lake(spark, settings), registry.SECTORS["tax"], RunContext("it-rerun", dt)))
    assert (_gold_now(settings), len(read_table(settings, "silver", "tax_returns"))) == before
    assert len(read_table(settings, "quarantine", "tax_returns")) == sum(
        1 for dt in DAYS for t in _truth(Path(settings.landing_root), dt) if t["defect"] in ROW_DEFECTS
    )


def test_rejected_delivery_writes_nothing_and_names_the_file(spark, tax_lake) -> None:
    settings, _ = tax_lake
    generate(
        settings.landing_root,
        date(2026, 11, 4),
        days=1,
        scale=0.3,
        seed=7,
        sectors=["tax"],
        delivery_defects=("tax/returns:checksum_mismatch",),
    )
    uri = TableRef("bronze", "tax_returns").uri(settings.lake_root)
    before = delta.version(spark, uri)
    with pytest.raises(DeliveryRejected, match=r"dt=2026-11-04 rejected: file part-\d+\.csv: checksum_mismatch"):
        ingest_bronze(Lake(spark, settings), registry.SECTORS["tax"].feeds[0], RunContext("it-bad", "2026-11-04"))
    assert delta.version(spark, uri) == before


def test_blocking_gate_leaves_silver_at_the_same_version(spark, tax_lake, blocking_tax_suite) -> None:
    settings, _ = tax_lake
    uri = TableRef("silver", "tax_returns").uri(settings.lake_root)
    before = delta.version(spark, uri)
    with pytest.raises(
        gate.GateFailed,
        match=r"silver.tax_returns.*expect_column_values_to_be_between\(tax_paid_cny\) \[block\]: \d+ failing",
    ):
        promote_silver(Lake(spark, settings), registry.SECTORS["tax"].silver[0], RunContext("it-gate", DAYS[0]))
    assert delta.version(spark, uri) == before
