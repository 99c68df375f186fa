"""One consistent world across sectors, with the planted risk enterprises."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.ids import is_valid_icd10, is_valid_plate, is_valid_uscc, jiangsu_divisions
from tests.pipelines.generate.conftest import START


def _register(root: Path) -> dict[str, dict]:
    path = next(root.glob(f"credit/legal_entity/dt={START}/part-*.jsonl.gz"))
    rows = [json.loads(line) for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()]
    return {r["uscc"]: r for r in rows}


def _csv(path: Path, delimiter: str = ",", encoding: str = "utf-8") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding)), delimiter=delimiter))


def test_usccs_are_shared_across_sectors(clean_landing: Path) -> None:
    register = _register(clean_landing)
    assert all(is_valid_uscc(u) and u[2:8] == r["division_code"] for u, r in register.items())
    counties = {c for c, v in jiangsu_divisions().items() if v[1] == "county"}
    assert {r["division_code"] for r in register.values()} <= counties
    taxpayers = {
        r["纳税人识别号"] for p in clean_landing.glob(f"tax/returns/dt={START}/*.csv") for r in _csv(p, encoding="gbk")
    }
    metered = {r["uscc"] for p in clean_landing.glob(f"energy/meters/dt={START}/*.csv") for r in _csv(p) if r["uscc"]}
    sanctioned = {r["uscc"] for p in clean_landing.glob(f"credit/sanctions/dt={START}/*.csv") for r in _csv(p)}
    assert taxpayers and taxpayers <= set(register)
    assert metered and metered <= set(register)
    assert sanctioned and sanctioned <= set(register)


def test_event_feeds_reference_their_registers(clean_landing: Path) -> None:
    meters = {r["meter_id"] for p in clean_landing.glob(f"energy/meters/dt={START}/*.csv") for r in _csv(p)}
    readings = set()
    for path in clean_landing.glob(f"energy/readings/dt={START}/*.parquet"):
        readings |= set(pc.unique(pq.read_table(path, columns=["meter_id"])["meter_id"]).to_pylist())
    assert readings and readings <= meters
    gantries = {r["gantry_id"] for p in clean_landing.glob(f"transport/gantries/dt={START}/*.csv") for r in _csv(p)}
    passages = [r for p in clean_landing.glob(f"transport/etc_passages/dt={START}/*.txt") for r in _csv(p, "|")]
    assert passages and {r["gantry_id"] for r in passages} <= gantries
    assert all(is_valid_plate(r["plate_no"]) for r in passages)
    hospitals = {r["hospital_code"] for p in clean_landing.glob(f"health/hospitals/dt={START}/*.csv") for r in _csv(p)}
    visits = [
        json.loads(line)
        for p in clean_landing.glob(f"health/outpatient_visits/dt={START}/*.jsonl")
        for line in p.read_text("utf-8").splitlines()
    ]
    assert visits and {v["hospital_code"] for v in visits} <= hospitals
    assert all(is_valid_icd10(v["icd10"]) for v in visits)


def test_planted_risks(clean_landing: Path) -> None:
    world = json.loads((clean_landing / "_ground_truth" / "world.json").read_text("utf-8"))
    planted = {p["risk"]: [] for p in world["planted"]}
    for p in world["planted"]:
        planted[p["risk"]].append(p["uscc"])
    assert set(planted) == {"power_up_tax_down", "dishonest_but_active", "deregistered_but_consuming"}
    register = _register(clean_landing)
    in_service = {
        r["uscc"]
        for p in clean_landing.glob(f"energy/meters/dt={START}/*.csv")
        for r in _csv(p)
        if r["status"] == "in_service"
    }
    for uscc in planted["deregistered_but_consuming"]:
        assert register[uscc]["status"] == "cancelled" and uscc in in_service
    dishonest = {
        r["uscc"]
        for p in clean_landing.glob(f"credit/sanctions/dt={START}/*.csv")
        for r in _csv(p)
        if r["category"] == "dishonest_judgment_debtor" and r["status"] == "active"
    }
    for uscc in planted["dishonest_but_active"]:
        assert register[uscc]["status"] == "active" and uscc in dishonest


def test_ili_outbreak_city_stands_out(tmp_path: Path) -> None:
    from pipelines.generate import generate

    generate(str(tmp_path), dt.date(2026, 11, 16), days=3, scale=1.0, sectors=["health"], defect_rate=0.0)
    world = json.loads((tmp_path / "_ground_truth" / "world.json").read_text("utf-8"))
    [outbreak] = [o for o in world["ili_outbreaks"] if o["iso_year"] == 2026]
    assert 47 in outbreak["iso_weeks"]  # 2026-11-16..18 is ISO week 47
    hospitals = {
        r["hospital_code"]: r["division_code"] for p in tmp_path.glob("health/hospitals/dt=*/*.csv") for r in _csv(p)
    }
    counts = {True: [0, 0], False: [0, 0]}
    for path in tmp_path.glob("health/outpatient_visits/dt=*/*.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            visit = json.loads(line)
            inside = hospitals[visit["hospital_code"]][:4] == outbreak["city_code"][:4]
            counts[inside][0] += visit["icd10"][:3] in ("J09", "J10", "J11")
            counts[inside][1] += 1
    share_in, share_out = (counts[k][0] / counts[k][1] for k in (True, False))
    assert share_in > 2 * share_out
