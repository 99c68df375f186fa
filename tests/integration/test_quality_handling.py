"""Documented handling of delivery-level defects, and replay after a rule fix (tax feed)."""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

from pipelines import registry
from pipelines.core import contract
from pipelines.core.replay import replay
from pipelines.core.runner import run_sector
from pipelines.core.steps import RunContext, ingest_bronze, promote_silver
from pipelines.generate.api import generate
from pipelines.io import delta
from pipelines.io.lake import Lake
from pipelines.io.landing import DeliveryIncomplete, DeliveryRejected
from pipelines.io.refs import TableRef
from pipelines.query import read_table

pytestmark = pytest.mark.integration
TAX = registry.SECTORS["tax"]


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        ("checksum_mismatch", "checksum_mismatch"),
        ("row_count_mismatch", "row_count_mismatch"),
        ("missing_column", "missing_column"),
        ("undecodable_gbk", "encoding"),
    ],
)
def test_bad_delivery_is_rejected_whole(spark, fresh_settings, kind: str, rule: str) -> None:
    generate(
        fresh_settings.landing_root,
        date(2026, 11, 2),
        scale=0.2,
        seed=3,
        sectors=["tax"],
        defect_rate=0,
        delivery_defects=(f"tax/returns:{kind}",),
    )
    with pytest.raises(DeliveryRejected, match=rf"tax/returns/dt=2026-11-02 rejected: file part-\d+\.csv: {rule}"):
        ingest_bronze(Lake(spark, fresh_settings), TAX.feeds[0], RunContext("bad", "2026-11-02"))
    assert not delta.exists(spark, TableRef("bronze", "tax_returns").uri(fresh_settings.lake_root))


def test_missing_manifest_is_not_ingested_yet(spark, fresh_settings) -> None:
    generate(
        fresh_settings.landing_root,
        date(2026, 11, 2),
        scale=0.2,
        seed=3,
        sectors=["tax"],
        delivery_defects=("tax/returns:missing_manifest",),
    )
    with pytest.raises(DeliveryIncomplete, match="dt=2026-11-02 has no _manifest.json"):
        ingest_bronze(Lake(spark, fresh_settings), TAX.feeds[0], RunContext("early", "2026-11-02"))


def test_empty_delivery_succeeds_and_writes_nothing(spark, fresh_settings) -> None:
    generate(
        fresh_settings.landing_root,
        date(2026, 11, 2),
        scale=0.2,
        seed=3,
        sectors=["tax"],
        delivery_defects=("tax/returns:empty_delivery",),
    )
    results = list(run_sector(Lake(spark, fresh_settings), TAX, RunContext("empty", "2026-11-02")))
    assert [r.status for r in results] == ["empty", "empty", "empty"]
    assert not delta.exists(spark, TableRef("bronze", "tax_returns").uri(fresh_settings.lake_root))


def test_truncated_last_line_is_quarantined(spark, fresh_settings) -> None:
    generate(
        fresh_settings.landing_root,
        date(2026, 11, 2),
        scale=0.2,
        seed=3,
        sectors=["tax"],
        defect_rate=0,
        delivery_defects=("tax/returns:truncated_file",),
    )
    ingest_bronze(Lake(spark, fresh_settings), TAX.feeds[0], RunContext("cut", "2026-11-02"))
    silver = promote_silver(Lake(spark, fresh_settings), TAX.silver[0], RunContext("cut", "2026-11-02"))
    files = sorted((Path(fresh_settings.landing_root) / "tax" / "returns" / "dt=2026-11-02").glob("*.csv"))
    last_file, last_row = files[-1].name, files[-1].read_bytes().decode("gbk").rstrip("\n").count("\n")
    rows = read_table(fresh_settings, "quarantine", "tax_returns")
    assert [(r["_source_file"], r["_row_no"]) for r in rows] == [(last_file, last_row)]
    assert rows[0]["reasons"][0].startswith("unparseable_row")
    assert silver.quarantined == 1


def test_replay_promotes_fixed_rows_exactly_once(spark, fresh_settings, tmp_path, monkeypatch) -> None:
    generate(fresh_settings.landing_root, date(2026, 11, 2), scale=0.3, seed=5, sectors=["tax"], defect_rate=0)
    delivered = Path(fresh_settings.landing_root) / "tax" / "returns" / "dt=2026-11-02"
    codes = Counter(
        row[3]
        for f in delivered.glob("*.csv")
        for row in list(csv.reader(io.StringIO(f.read_bytes().decode("gbk"))))[1:]
    )
    rare = min(codes, key=codes.get)
    # A too-strict rule: the code list forgets one tax type.
    strict = tmp_path / "schemas"
    shutil.copytree(contract.CONTRACTS_DIR, strict)
    spec = yaml.safe_load((strict / "tax_returns.yaml").read_text("utf-8"))
    column = next(c for c in spec["columns"] if c["name"] == "tax_type_code")
    column["values"] = [v for v in column["values"] if v != rare]
    (strict / "tax_returns.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), "utf-8")
    monkeypatch.setattr(contract, "CONTRACTS_DIR", strict)
    contract.load_contract.cache_clear()
    first = list(run_sector(Lake(spark, fresh_settings), TAX, RunContext("strict", "2026-11-02")))
    assert first[1].quarantined == codes[rare] and first[1].reasons == {"invalid_code": codes[rare]}

    monkeypatch.undo()  # the fix: the full code list again
    contract.load_contract.cache_clear()
    silver_before = len(read_table(fresh_settings, "silver", "tax_returns"))
    fixed = replay(Lake(spark, fresh_settings), TAX.silver[0], RunContext("replay-1", "*"), only_run="strict")
    assert (fixed.rows_in, fixed.promoted, fixed.quarantined) == (codes[rare], codes[rare], 0)
    assert read_table(fresh_settings, "quarantine", "tax_returns") == []
    silver = read_table(fresh_settings, "silver", "tax_returns")
    assert len(silver) == silver_before + codes[rare]
    again = replay(Lake(spark, fresh_settings), TAX.silver[0], RunContext("replay-2", "*"))
    assert (again.rows_in, again.promoted) == (0, 0)
    assert len(read_table(fresh_settings, "silver", "tax_returns")) == len(silver)
