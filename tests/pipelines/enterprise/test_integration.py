"""The enterprise view end to end: credit, energy and tax run on generated deliveries, then the
enterprise sector; risk flags and amounts checked against the planted world and an
independent reading of the delivered files (minus the ground truth's defect rows)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.core.runner import run_sector
from pipelines.core.steps import RunContext
from pipelines.generate import generate
from pipelines.io.lake import Lake
from pipelines.query import read_table
from pipelines.registry import SECTORS
from tests.pipelines.lake_oracles.credit import profile, register_versions
from tests.pipelines.lake_oracles.delivered import clean_rows, raw_rows
from tests.pipelines.lake_oracles.pii import findings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEED, SCALE = 11, 0.02
AS_OF = dt.date(2026, 11, 16)  # October's declarations are all in (due by the 15th)
TAX_WINDOW = [dt.date(2026, 11, d).isoformat() for d in range(1, 16)]
PERIODS_12M = {f"{y}{m:02d}" for y, m in [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]}


def _planted(landing: Path, risk: str) -> set[str]:
    world = json.loads((landing / "_ground_truth" / "world.json").read_text("utf-8"))
    return {p["uscc"] for p in world["planted"] if p["risk"] == risk}


def _tax_days(landing: Path) -> list[str]:
    """The days on which a planted dishonest entity declares (the only tax days the test runs)."""
    dishonest = _planted(landing, "dishonest_but_active")
    return [
        day
        for day in TAX_WINDOW
        if any(r["纳税人识别号"] in dishonest for r in clean_rows(landing, "tax", "returns", day, "gbk"))
    ]


@pytest.fixture(scope="module")
def run(spark, settings, tmp_path_factory):
    """Credit and energy for AS_OF, tax for the planted declarers' days, then the enterprise sector."""
    root = tmp_path_factory.mktemp("enterprise")
    lake = settings.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )
    landing = Path(lake.landing_root)
    generate(lake.landing_root, AS_OF, days=1, scale=SCALE, seed=SEED, sectors=["credit", "energy"], defect_rate=0.02)
    generate(
        lake.landing_root, dt.date(2026, 11, 1), days=15, scale=SCALE, seed=SEED, sectors=["tax"], defect_rate=0.02
    )
    tax_days = _tax_days(landing)
    plan = [("credit", AS_OF.isoformat()), ("energy", AS_OF.isoformat())]
    plan += [("tax", day) for day in tax_days] + [("enterprise", AS_OF.isoformat())]
    results = [
        r for sector, day in plan for r in run_sector(Lake(spark, lake), SECTORS[sector], RunContext("it-360", day))
    ]
    return landing, lake, tax_days, results


def _view(lake) -> dict[str, dict]:
    return {r["uscc"]: r for r in read_table(lake, "gold", "enterprise_360") if r["as_of_date"] == AS_OF}


def _kwh(landing: Path) -> tuple[dict[str, float], dict[str, float]]:
    """kWh per uscc over all delivered readings, and over the last 30 days (latest copy of each interval)."""
    owner = {m["meter_id"]: m["uscc"] for m in clean_rows(landing, "energy", "meters", AS_OF.isoformat()) if m["uscc"]}
    latest = {}
    for r in clean_rows(landing, "energy", "readings", AS_OF.isoformat()):
        latest[(r["meter_id"], r["reading_ts"])] = r
    total, recent = defaultdict(float), defaultdict(float)
    for (meter, ts), r in latest.items():
        if meter not in owner:
            continue
        day = (ts - dt.timedelta(minutes=15)).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
        total[owner[meter]] += r["kwh"]
        if day > AS_OF - dt.timedelta(days=30):
            recent[owner[meter]] += r["kwh"]
    return total, recent


def _tax(landing: Path, tax_days: list[str]) -> tuple[dict[str, Decimal], set[str]]:
    """Tax paid per taxpayer over the 12 periods before November (latest version), and who declared."""
    latest: dict[str, dict] = {}
    for day in tax_days:
        for r in clean_rows(landing, "tax", "returns", day, "gbk"):
            seen = latest.get(r["申报序号"])
            if seen is None or int(r["版本号"]) >= int(seen["版本号"]):
                latest[r["申报序号"]] = r
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for r in latest.values():
        if r["所属期"] in PERIODS_12M:
            paid[r["纳税人识别号"]] += Decimal(r["已缴税额"])
    return paid, {r["纳税人识别号"] for r in latest.values()}


def test_one_row_per_registered_entity(run) -> None:
    _, lake, _, results = run
    assert all(r.status in ("ok", "empty") for r in results)
    profiles = {r["uscc"] for r in read_table(lake, "gold", "credit_enterprise_profile") if r["as_of_date"] == AS_OF}
    assert set(_view(lake)) == profiles


def test_dishonest_entities_still_declaring_are_flagged(run) -> None:
    landing, lake, tax_days, _ = run
    assert len(tax_days) >= 1
    changes = clean_rows(landing, "credit", "legal_entity", AS_OF.isoformat())
    sanctions = clean_rows(landing, "credit", "sanctions", AS_OF.isoformat())
    dishonest = {u for u, p in profile(changes, sanctions, AS_OF).items() if p["is_dishonest"]}
    _, declared = _tax(landing, tax_days)
    flagged = {u for u, r in _view(lake).items() if "dishonest_still_declaring" in r["risk_flags"]}
    assert flagged == dishonest & declared
    planted = _planted(landing, "dishonest_but_active")
    assert planted and planted <= flagged


def test_deregistered_entities_still_consuming_are_flagged(run) -> None:
    landing, lake, _, _ = run
    changes = clean_rows(landing, "credit", "legal_entity", AS_OF.isoformat())
    cancelled_on = {
        u: min(t for t, row in versions.items() if row["status"] == "cancelled")
        for u, versions in register_versions(changes).items()
        if max(versions.items())[1]["status"] == "cancelled"
    }
    grace = dt.datetime.combine(AS_OF - dt.timedelta(days=90), dt.time(), dt.timezone(dt.timedelta(hours=8)))
    _, recent = _kwh(landing)
    expected = {u for u, since in cancelled_on.items() if since < grace and recent.get(u, 0) > 0}
    flagged = {u for u, r in _view(lake).items() if "deregistered_still_consuming" in r["risk_flags"]}
    assert flagged == expected
    planted = _planted(landing, "deregistered_but_consuming")
    assert planted and planted <= flagged


def test_amounts_match_the_delivered_files(run) -> None:
    landing, lake, tax_days, _ = run
    kwh, _ = _kwh(landing)
    paid, _ = _tax(landing, tax_days)
    view = _view(lake)
    for uscc, row in view.items():
        assert row["kwh_12m"] == pytest.approx(kwh.get(uscc, 0.0), rel=1e-9, abs=1e-6), uscc
        assert row["tax_paid_12m_cny"] == paid.get(uscc, Decimal("0.00")), uscc
    assert sum(1 for r in view.values() if r["tax_per_mwh"] is not None) > 0


def test_without_history_no_trend_is_judged(run) -> None:
    _, lake, _, _ = run
    view = _view(lake).values()
    assert all(r["kwh_trend"] is None and "power_up_tax_down" not in r["risk_flags"] for r in view)


def test_energy_daily_reconciles_with_the_readings(run) -> None:
    landing, lake, _, _ = run
    kwh, _ = _kwh(landing)
    daily: dict[str, float] = defaultdict(float)
    for r in read_table(lake, "gold", "enterprise_energy_daily"):
        daily[r["uscc"]] += r["kwh"]
    assert set(daily) == set(kwh)
    assert all(daily[u] == pytest.approx(kwh[u], rel=1e-9, abs=1e-6) for u in daily)


def test_no_personal_data_in_the_enterprise_tables(run) -> None:
    landing, lake, _, _ = run
    delivered = [row for _, _, row in raw_rows(landing, "credit", "legal_entity", AS_OF.isoformat()) if row]
    known = {str(r["legal_rep_id_no"]) for r in delivered if r.get("legal_rep_id_no")}
    names = {str(r["legal_rep_name"]) for r in delivered if r.get("legal_rep_name")}
    tables = [("gold", "enterprise_energy_daily"), ("gold", "enterprise_360")]
    assert findings(lake, tables, known, names) == []
