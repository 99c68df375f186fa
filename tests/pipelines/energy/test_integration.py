"""A whole energy run (two delivery days with late and resent readings) on local Spark + Delta,
checked with an independent reader (delta-rs) against numbers computed here in plain Python
from the delivered files minus the generator's ground-truth defects."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines import registry
from pipelines.core.runner import run_sector
from pipelines.core.steps import RunContext
from pipelines.generate.api import generate
from pipelines.io.lake import Lake
from pipelines.query import read_table

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # ~2 min on an idle laptop (12 gated steps)
DAYS = ("2026-11-01", "2026-11-02")
SCALE = 0.01
LOCAL = timedelta(hours=8)
INTERVAL = timedelta(minutes=15)


def _truth(landing: Path, feed: str, dt: str) -> list[dict]:
    path = landing / "_ground_truth" / "energy" / feed / f"dt={dt}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def _defect_rows(landing: Path, feed: str, dt: str) -> set[tuple[str, int]]:
    return {(t["file"], t["row"]) for t in _truth(landing, feed, dt) if t["row"] is not None}


def delivered_readings(landing: Path, dt: str) -> list[tuple[str, int, dict]]:
    """(file, 1-based row, row) of every delivered reading of `dt`."""
    out = []
    for path in sorted((landing / "energy" / "readings" / f"dt={dt}").glob("*.parquet")):
        out += [(path.name, i, row) for i, row in enumerate(pq.read_table(path).to_pylist(), start=1)]
    return out


def expected_readings(landing: Path) -> dict[tuple[str, datetime], tuple[float, int]]:
    """(meter_id, reading_ts) -> (kwh, quality): clean rows, the latest delivery winning."""
    best: dict[tuple[str, datetime], tuple[float, int]] = {}
    for dt in DAYS:
        bad = _defect_rows(landing, "readings", dt)
        for file, number, row in delivered_readings(landing, dt):
            if (file, number) not in bad:
                best[(row["meter_id"], row["reading_ts"])] = (row["kwh"], row["quality"])
    return best


def expected_register(landing: Path) -> dict[str, tuple[str, str, str | None]]:
    """meter_id -> (city, customer type, industry section) of the last delivered register."""
    dt = DAYS[-1]
    bad = _defect_rows(landing, "meters", dt)
    register = {}
    for path in sorted((landing / "energy" / "meters" / f"dt={dt}").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=1):
                if (path.name, number) not in bad:
                    section = row["industry_code"][:1] or None
                    register[row["meter_id"]] = (row["division_code"][:4] + "00", row["customer_type"], section)
    return register


def _day_and_slot(reading_ts: datetime) -> tuple[date, int]:
    start = reading_ts + LOCAL - INTERVAL
    return start.date(), start.hour * 4 + start.minute // 15


def expected_consumption(readings: dict, register: dict) -> dict[tuple, tuple[float, int]]:
    kwh: dict[tuple, float] = defaultdict(float)
    reporting: dict[tuple, set[str]] = defaultdict(set)
    for (meter, ts), (value, quality) in readings.items():
        city, ctype, section = register.get(meter, (None, "unregistered", None))
        key = (_day_and_slot(ts)[0], city, ctype, section)
        kwh[key] += value
        if quality in (0, 1):
            reporting[key].add(meter)
    return {k: (round(v, 6), len(reporting[k])) for k, v in kwh.items()}


def expected_load_curve(readings: dict, register: dict) -> dict[tuple, float | None]:
    """kW per day, city and slot; None where fewer than 3 meters or one meter above half the slot's energy."""
    per_meter: dict[tuple, list[float]] = defaultdict(list)
    for (meter, ts), (value, _) in readings.items():
        day, slot = _day_and_slot(ts)
        per_meter[(day, register.get(meter, (None,))[0], slot)].append(value)
    return {k: round(sum(v) * 4, 6) if len(v) >= 3 and max(v) <= 0.5 * sum(v) else None for k, v in per_meter.items()}


@pytest.fixture(scope="module")
def energy_lake(spark, settings, tmp_path_factory):
    """Two generated days with defects, run through the energy sector."""
    root = tmp_path_factory.mktemp("energy_run")
    run_settings = settings.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )
    generate(
        run_settings.landing_root,
        date.fromisoformat(DAYS[0]),
        days=len(DAYS),
        scale=SCALE,
        seed=11,
        sectors=["energy"],
        defect_rate=0.02,
    )
    results = []
    for dt in DAYS:
        results += list(run_sector(Lake(spark, run_settings), registry.SECTORS["energy"], RunContext("it-energy", dt)))
    return run_settings, results


def test_silver_holds_the_latest_delivered_value_of_every_clean_reading(energy_lake) -> None:
    settings, _ = energy_lake
    landing = Path(settings.landing_root)
    silver = {
        (r["meter_id"], r["reading_ts"]): (r["kwh"], r["quality"])
        for r in read_table(settings, "silver", "energy_readings")
    }
    expected = expected_readings(landing)
    assert silver == expected
    first_day = {(r["meter_id"], r["reading_ts"]): r["quality"] for _, _, r in delivered_readings(landing, DAYS[0])}
    corrected = [k for k, (_, quality) in expected.items() if first_day.get(k) == 1 and quality == 0]
    assert corrected, "no estimated reading was resent measured: the test would prove nothing"


def test_gold_consumption_equals_independent_computation(energy_lake) -> None:
    settings, _ = energy_lake
    landing = Path(settings.landing_root)
    expected = expected_consumption(expected_readings(landing), expected_register(landing))
    gold = {
        (r["date"], r["city_code"], r["customer_type"], r["industry_section"]): (
            round(r["kwh"], 6),
            r["meters_reporting"],
        )
        for r in read_table(settings, "gold", "energy_consumption_daily")
    }
    assert gold.keys() == expected.keys()
    for key, (kwh, meters) in expected.items():
        assert gold[key] == (pytest.approx(kwh, abs=1e-4), meters), key
    late_days = {k[0] for k in expected} - {date.fromisoformat(d) for d in DAYS}
    assert late_days, "no late readings for earlier days: the test would prove nothing"


def test_gold_load_curve_equals_independent_computation(energy_lake) -> None:
    settings, _ = energy_lake
    landing = Path(settings.landing_root)
    expected = expected_load_curve(expected_readings(landing), expected_register(landing))
    gold = {(r["date"], r["city_code"], r["slot"]): r["kw"] for r in read_table(settings, "gold", "energy_load_curve")}
    assert gold.keys() == expected.keys()
    assert all(gold[k] == (None if v is None else pytest.approx(v, abs=1e-4)) for k, v in expected.items())
    assert any(v is not None for v in expected.values())


@pytest.mark.parametrize("feed", ["meters", "readings"])
def test_exactly_the_injected_rows_are_rejected_with_their_reason(energy_lake, feed: str) -> None:
    settings, _ = energy_lake
    landing = Path(settings.landing_root)
    quarantined = {
        (str(r["_dt"]), r["_source_file"], r["_row_no"]): {x.split(":")[0] for x in r["reasons"]}
        for r in read_table(settings, "quarantine", f"energy_{feed}")
    }
    injected = {
        (dt, t["file"], t["row"]): t["defect"]
        for dt in DAYS
        for t in _truth(landing, feed, dt)
        if t["row"] is not None and t["defect"] != "exact_duplicate"
    }
    assert injected, "the generator injected no row defects: the test would prove nothing"
    assert set(quarantined) <= set(injected)
    assert all(injected[k] in quarantined[k] for k in quarantined)
    # An injected row not quarantined must be an exact copy of another injected row (counted once).
    for dt, file, row in set(injected) - set(quarantined):
        assert feed == "readings"
        rows = {(f, n): r for f, n, r in delivered_readings(landing, dt)}
        twins = [k for k in injected if k[0] == dt and k != (dt, file, row) and rows[k[1:]] == rows[(file, row)]]
        assert twins, (dt, file, row)


def test_every_row_is_accounted_for(energy_lake) -> None:
    settings, results = energy_lake
    landing = Path(settings.landing_root)
    for r in (r for r in results if r.step == "silver"):
        feed = r.table.removeprefix("silver.energy_")
        defects = Counter(t["defect"] for t in _truth(landing, feed, r.dt) if t["row"] is not None)
        assert r.rows_in == r.promoted + r.quarantined + r.duplicates > 0
        assert r.quarantined + r.duplicates == sum(defects.values()), r.log_line()
    bronze = {(r.table.split(".")[1], r.dt): r.rows_in for r in results if r.step == "bronze"}
    silver = {(r.table.split(".")[1], r.dt): r.rows_in for r in results if r.step == "silver"}
    assert bronze == silver


def test_gold_is_rebuilt_for_every_day_a_delivery_touched(energy_lake) -> None:
    _, results = energy_lake
    silver = {r.dt: set(r.partitions) for r in results if r.table == "silver.energy_readings"}
    for r in (r for r in results if r.step == "gold"):
        assert set(r.partitions) == silver[r.dt], r.log_line()
        assert len(r.partitions) > 1, "late readings should touch earlier days"
