"""A whole transport run (two delivery days) on local Spark + Delta, checked with an independent
reader (delta-rs) against numbers computed here in plain Python from the delivered files minus
the generator's ground-truth defects; and no plate number anywhere past bronze."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines import registry
from pipelines.core.runner import run_sector
from pipelines.core.steps import RunContext
from pipelines.generate.api import generate
from pipelines.io.lake import Lake
from pipelines.query import read_table

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # ~2 min on an idle laptop (15 gated steps)
DAYS = ("2026-11-01", "2026-11-02")
SCALE = 0.05
LOCAL = timedelta(hours=8)
FEEDS = ("gantries", "etc_passages", "hub_flow")


def _truth(landing: Path, feed: str, dt: str) -> list[dict]:
    path = landing / "_ground_truth" / "transport" / feed / f"dt={dt}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def clean_rows(landing: Path, feed: str, dt: str) -> list[dict]:
    """The delivered rows of `dt` that carry no injected defect, parsed as a consumer would."""
    bad = {(t["file"], t["row"]) for t in _truth(landing, feed, dt) if t["row"] is not None}
    out = []
    for path in sorted((landing / "transport" / feed / f"dt={dt}").glob("part-*")):
        lines = path.read_text("utf-8").splitlines()
        if feed == "hub_flow":
            out += [json.loads(line) for number, line in enumerate(lines, start=1) if (path.name, number) not in bad]
        else:
            reader = csv.DictReader(lines, delimiter="|" if feed == "etc_passages" else ",")
            out += [row for number, row in enumerate(reader, start=1) if (path.name, number) not in bad]
    return out


def _utc_hour(local_text: str) -> datetime:
    """UTC start of the local hour of `YYYY-MM-DD HH:MM:SS` or ISO-8601 local time."""
    local = datetime.fromisoformat(local_text[:19].replace("T", " "))
    return (local.replace(minute=0, second=0) - LOCAL).replace(tzinfo=UTC)


def expected_gantry_hourly(landing: Path) -> dict[tuple, tuple]:
    gantries = {g["gantry_id"]: (g["road_code"], g["direction"]) for g in clean_rows(landing, "gantries", DAYS[-1])}
    passages = {p["passage_id"]: p for dt in DAYS for p in clean_rows(landing, "etc_passages", dt)}
    cells: dict[tuple, list] = defaultdict(lambda: [0, 0, Decimal("0")])
    for p in passages.values():
        cell = cells[(_utc_hour(p["pass_time"]), p["gantry_id"])]
        cell[0] += 1
        cell[1] += 11 <= int(p["vehicle_class"]) <= 16
        cell[2] += Decimal(p["fee_cny"])
    return {(hour, g): (*gantries.get(g, (None, None)), *v) for (hour, g), v in cells.items()}


def expected_hub_hourly(landing: Path) -> dict[tuple, tuple]:
    windows = {(w["hub_id"], w["window_start"]): w for dt in DAYS for w in clean_rows(landing, "hub_flow", dt)}
    cells: dict[tuple, list] = defaultdict(lambda: [0, 0])
    for w in windows.values():
        cell = cells[(_utc_hour(w["window_start"]), w["hub_id"])]
        cell[0] += int(w["entries"])
        cell[1] += int(w["exits"])
    # The documented peak rule: the hub-day's 3 busiest hours (ties to the earlier), above its mean.
    by_day: dict[tuple, list] = defaultdict(list)
    for (hour, hub), (entries, exits) in cells.items():
        by_day[(hub, (hour + LOCAL).date())].append((hour, entries + exits))
    peaks = set()
    for (hub, _), hours in by_day.items():
        mean = sum(f for _, f in hours) / len(hours)
        ranked = sorted(hours, key=lambda h: (-h[1], h[0]))[:3]
        peaks |= {(hour, hub) for hour, flow in ranked if flow > mean}
    return {k: (entries, exits, k in peaks) for k, (entries, exits) in cells.items()}


@pytest.fixture(scope="module")
def transport_lake(spark, settings, tmp_path_factory):
    """Two generated days with defects, run through the transport sector."""
    root = tmp_path_factory.mktemp("transport_run")
    run_settings = settings.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )
    generate(
        run_settings.landing_root,
        date.fromisoformat(DAYS[0]),
        days=len(DAYS),
        scale=SCALE,
        seed=11,
        sectors=["transport"],
        defect_rate=0.03,
    )
    results = []
    for dt in DAYS:
        results += list(
            run_sector(Lake(spark, run_settings), registry.SECTORS["transport"], RunContext("it-transport", dt))
        )
    return run_settings, results


def test_gantry_hourly_equals_independent_computation(transport_lake) -> None:
    settings, _ = transport_lake
    gold = {
        (r["hour"], r["gantry_id"]): (r["road_code"], r["direction"], r["vehicles"], r["trucks"], r["fee_cny"])
        for r in read_table(settings, "gold", "transport_gantry_hourly")
    }
    expected = expected_gantry_hourly(Path(settings.landing_root))
    assert gold == expected
    assert any(v[3] for v in expected.values()), "no trucks: the test would prove nothing"


def test_hub_flow_hourly_equals_independent_computation(transport_lake) -> None:
    settings, _ = transport_lake
    gold = {
        (r["hour"], r["hub_id"]): (r["entries"], r["exits"], r["is_peak"])
        for r in read_table(settings, "gold", "transport_hub_flow_hourly")
    }
    expected = expected_hub_hourly(Path(settings.landing_root))
    assert gold == expected
    assert any(v[2] for v in expected.values())


def test_no_plate_number_passes_bronze(transport_lake) -> None:
    settings, _ = transport_lake
    plates = {p["plate_no"] for dt in DAYS for p in clean_rows(Path(settings.landing_root), "etc_passages", dt)}
    silver = read_table(settings, "silver", "transport_etc_passages")
    assert "plate_no" not in silver[0]
    tables = [silver, read_table(settings, "gold", "transport_gantry_hourly")]
    values = {str(v) for table in tables for row in table for v in row.values()}
    assert not plates & values
    assert {r["plate_province"] for r in silver} <= {p[0] for p in plates}


def test_plate_token_is_the_keyed_hmac_of_the_plate(transport_lake) -> None:
    settings, _ = transport_lake
    passages = {
        p["passage_id"]: p["plate_no"] for p in clean_rows(Path(settings.landing_root), "etc_passages", DAYS[0])
    }
    key = settings.pii_secret().encode()
    for row in read_table(settings, "silver", "transport_etc_passages")[:50]:
        plate = passages.get(row["passage_id"])
        if plate:
            assert row["plate_no_token"] == hmac.new(key, plate.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("feed", FEEDS)
def test_exactly_the_injected_rows_are_rejected_with_their_reason(transport_lake, feed: str) -> None:
    settings, _ = transport_lake
    landing = Path(settings.landing_root)
    quarantined = {
        (str(r["_dt"]), r["_source_file"], r["_row_no"]): {x.split(":")[0] for x in r["reasons"]}
        for r in read_table(settings, "quarantine", f"transport_{feed}")
    }
    injected = {
        (dt, t["file"], t["row"]): t["defect"]
        for dt in DAYS
        for t in _truth(landing, feed, dt)
        if t["row"] is not None and t["defect"] != "exact_duplicate"
    }
    if feed != "gantries":  # the register is a few dozen rows: it may well carry no defect
        assert injected, "the generator injected no row defects: the test would prove nothing"
    assert set(quarantined) == set(injected)
    assert all(injected[k] in quarantined[k] for k in injected)


def test_every_row_is_accounted_for(transport_lake) -> None:
    settings, results = transport_lake
    landing = Path(settings.landing_root)
    for r in (r for r in results if r.step == "silver"):
        feed = r.table.removeprefix("silver.transport_")
        defects = Counter(t["defect"] for t in _truth(landing, feed, r.dt) if t["row"] is not None)
        assert r.rows_in == r.promoted + r.quarantined + r.duplicates > 0
        assert (r.quarantined, r.duplicates) == (
            sum(defects.values()) - defects["exact_duplicate"],
            defects["exact_duplicate"],
        ), r.log_line()
