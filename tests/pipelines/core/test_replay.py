"""Replay after a rule fix (tax feed): quarantined rows that pass today's rules are promoted, exactly once."""

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
from pipelines.core.steps import RunContext
from pipelines.generate.api import generate
from pipelines.io.lake import Lake
from pipelines.query import read_table

pytestmark = pytest.mark.integration
TAX = registry.SECTORS["tax"]


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
