"""Re-delivery replaces, never accumulates (ADR 0007).

For each write mode, dates dt1, dt2 and dt3 are delivered and run; then dt2 is delivered
again with rows withdrawn, amended and added, and later the oldest date too. After each
re-delivery silver, gold, the quarantine and bronze of the date must hold exactly what a
fresh lake fed only the final deliveries, in date order, holds: read with delta-rs (not
Spark) and compared row by row, lineage included (so the copy that won is checked too).
The deliveries are hand-written, small and real (files plus a manifest written last).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest

from pipelines.core.changes import changed_partitions
from pipelines.core.contract import load_contract
from pipelines.io.lake import Lake
from pipelines.io.refs import TableRef
from pipelines.query import read_table
from pipelines.registry import SECTORS
from tests.pipelines.core.redelivery_kit import (
    column,
    content,
    csv_bytes,
    deliver,
    id_no,
    jsonl_bytes,
    lake_content,
    parquet_bytes,
    run,
    timed,
    uscc,
)

pytestmark = pytest.mark.integration
HEAVY = pytest.mark.timeout(3600)  # 3 to 4 lakes of 5 runs each: minutes on an idle laptop, far more on shared cores

# ---------------------------------------------------------------------------------------------
# merge_latest: tax returns (highest version wins; partitioned by tax_period; gold by tax_period)

TAX = SECTORS["tax"]
RETURNS = TAX.silver_table("tax_returns")
REVENUE = next(g for g in TAX.gold if g.name == "tax_revenue_monthly")
TAX_HEADER = [c.delivered_name for c in load_contract("tax", "returns").columns]
T1, T2, T3 = "2026-11-02", "2026-11-03", "2026-11-04"
PAYER = uscc(1)


def tax_row(decl: str, period: str, version: int, due: int, taxpayer: str = PAYER) -> list[str]:
    """One declaration as delivered (paid = due, declared in October)."""
    return [decl, taxpayer, period, "10101", f"{due * 10}.00", f"{due}.00", f"{due}.00", "2026-10-20", "320102", "C13",
            str(version)]  # fmt: skip


def fillers(tag: str, n: int = 9, bump: int = 0) -> list[list[str]]:
    """Plain declarations that keep a delivery's reject share under the suite's 10% threshold."""
    return [tax_row(f"F{tag}-{i}", "202610", 1, 1 + i + (bump if i == 0 else 0)) for i in range(n)]


TAX_DELIVERIES = {
    T1: [
        tax_row("A", "202609", 1, 100),
        tax_row("X", "202608", 1, 10),
        tax_row("Y", "202608", 2, 5),
        *fillers("1"),
    ],
    T2: [
        tax_row("A", "202609", 2, 110),
        tax_row("X", "202608", 3, 30),  # the winner of X, until dt2 is re-delivered without it
        tax_row("Y", "202608", 3, 7),
        tax_row("E", "202607", 1, 50),  # the only declaration of 202607
        tax_row("D", "202610", 1, 40),
        tax_row("Z", "202610", 1, 70),
        tax_row("B1", "202610", 1, 1, taxpayer="NOT-A-USCC"),
        *fillers("2"),
    ],
    T3: [
        tax_row("X", "202608", 2, 20),
        tax_row("Z", "202610", 2, 75),
        tax_row("C", "202609", 1, 90),
        *fillers("3"),
    ],
}
TAX_T2_AGAIN = [  # X, Y, E and F2-8 withdrawn; A, D and F2-0 amended; G added (twice: one copy counts)
    tax_row("A", "202609", 2, 120),
    tax_row("D", "202610", 1, 44),
    tax_row("Z", "202610", 1, 70),
    tax_row("G", "202606", 1, 60),
    tax_row("G", "202606", 1, 60),
    tax_row("B2", "202610", 1, -5),
    *fillers("2", n=8, bump=100),
]
TAX_T1_AGAIN = [  # Y and F1-8 withdrawn; A amended (still older than dt2's); X amended to the highest version; H added
    tax_row("A", "202609", 1, 101),
    tax_row("X", "202608", 5, 15),
    tax_row("H", "202605", 1, 80),
    tax_row("B3", "202610", 1, 1, taxpayer=uscc(2)[:-1] + "Z"),
    *fillers("1", n=8),
]
TAX_TABLES = [("silver", "tax_returns"), ("gold", "tax_revenue_monthly")]


def deliver_returns(settings, dt: str, rows: Sequence[Sequence[str]]) -> None:
    deliver(settings, "tax", "returns", dt, csv_bytes(TAX_HEADER, rows, "gbk"), len(rows), "part-00000.csv")


def tax_steps(with_gold: bool = True) -> list:
    return [("bronze", RETURNS.feed), ("silver", RETURNS), *([("gold", REVENUE)] if with_gold else [])]


def fresh_lake(spark, settings, name: str, dates: Sequence[str], steps) -> object:
    """A lake of its own fed the landing zone's current (final) deliveries of `dates`, in order."""
    fresh = settings.with_overrides(
        lake_root=f"{settings.lake_root}-{name}", docs_dir=f"{settings.docs_dir}-{name}"
    )  # same landing zone: it holds only the final deliveries
    lake = Lake(spark, fresh)
    for dt in dates:
        run(lake, steps(dt) if callable(steps) else steps, dt, f"fresh-{name}")
    return fresh


def assert_same_date(settings, fresh, bronze: str, quarantine: str, dt: str) -> None:
    """Bronze and quarantine of `dt` hold the same rows in both lakes (the re-delivery's, nothing older)."""
    assert content(settings, "bronze", bronze, dt) == content(fresh, "bronze", bronze, dt)
    assert content(settings, "quarantine", quarantine, dt) == content(fresh, "quarantine", quarantine, dt)


def test_a_redelivered_date_replaces_its_silver_rows(spark, fresh_settings) -> None:
    """The fast case (bronze and silver of two dates): withdrawn rows go, amended rows win, another date's
    version of a withdrawn key comes back, nothing is doubled."""
    lake = Lake(spark, fresh_settings)
    for dt in (T1, T2):
        deliver_returns(fresh_settings, dt, TAX_DELIVERIES[dt])
        run(lake, tax_steps(with_gold=False), dt, "first")
    assert dict(column(fresh_settings, "silver", "tax_returns", "declaration_id", "version"))["Y"] == 3

    deliver_returns(fresh_settings, T2, TAX_T2_AGAIN)
    silver = run(lake, tax_steps(with_gold=False), T2, "again")[1]

    fresh = fresh_lake(spark, fresh_settings, "fresh", (T1, T2), tax_steps(with_gold=False))
    assert content(fresh_settings, "silver", "tax_returns") == content(fresh, "silver", "tax_returns")
    assert_same_date(fresh_settings, fresh, "tax_returns", "tax_returns", T2)
    stored = {r["declaration_id"]: r for r in read_table(fresh_settings, "silver", "tax_returns")}
    assert len(stored) == len(read_table(fresh_settings, "silver", "tax_returns"))  # one row per key
    assert (stored["Y"]["version"], str(stored["Y"]["_dt"])) == (2, T1)  # dt1's version is back
    assert (stored["X"]["version"], str(stored["X"]["_dt"])) == (1, T1)
    assert stored["A"]["tax_due_cny"] == Decimal("120.00") and "E" not in stored and "F2-8" not in stored
    assert {r["_source_file"] for r in read_table(fresh_settings, "quarantine", "tax_returns")} == {"part-00000.csv"}
    assert [r["_raw"].split(",")[0] for r in read_table(fresh_settings, "quarantine", "tax_returns")] == ["B2"]
    # The partitions it changed: of the rows it wrote, replaced (X, Y by dt1's) and deleted (E: 202607).
    assert set(silver.partitions) >= {"202606", "202607", "202608", "202609", "202610"}
    assert changed_partitions(lake, [TableRef("silver", "tax_returns")], T2) == sorted(silver.partitions)


@pytest.mark.reliability
@HEAVY
def test_merge_latest_redelivery_of_a_middle_and_then_the_oldest_date(spark, fresh_settings) -> None:
    lake = Lake(spark, fresh_settings)
    seconds = {}
    for dt in (T1, T2, T3):
        deliver_returns(fresh_settings, dt, TAX_DELIVERIES[dt])
        _, seconds[dt] = timed(lake, tax_steps(), dt, "first")

    deliver_returns(fresh_settings, T2, TAX_T2_AGAIN)
    results, again = timed(lake, tax_steps(), T2, "again")
    print(f"\ntax dt={T2}: first run {seconds[T2]:.1f}s, re-delivery {again:.1f}s ({again / seconds[T2]:.2f}x)")
    gold = results[2]
    assert "202607" in gold.partitions, "the partition of the withdrawn declaration must be rebuilt"
    fresh = fresh_lake(spark, fresh_settings, "a", (T1, T2, T3), tax_steps())
    assert lake_content(fresh_settings, TAX_TABLES) == lake_content(fresh, TAX_TABLES)
    assert_same_date(fresh_settings, fresh, "tax_returns", "tax_returns", T2)
    assert "202607" not in {r[0] for r in column(fresh_settings, "gold", "tax_revenue_monthly", "tax_period")}
    versions = dict(column(fresh_settings, "silver", "tax_returns", "declaration_id", "version"))
    assert (versions["X"], versions["Y"], versions["Z"]) == (2, 2, 2)  # dt3's X and Z survive, dt1's Y is back

    deliver_returns(fresh_settings, T1, TAX_T1_AGAIN)
    run(lake, tax_steps(), T1, "again-oldest")
    fresh = fresh_lake(spark, fresh_settings, "c", (T1, T2, T3), tax_steps())
    assert lake_content(fresh_settings, TAX_TABLES) == lake_content(fresh, TAX_TABLES)
    assert_same_date(fresh_settings, fresh, "tax_returns", "tax_returns", T1)
    versions = dict(column(fresh_settings, "silver", "tax_returns", "declaration_id", "version"))
    assert (versions["A"], versions["X"], "Y" in versions, versions["H"]) == (2, 5, False, 1)


@pytest.mark.reliability
@HEAVY
def test_an_empty_redelivery_withdraws_the_whole_date(spark, fresh_settings) -> None:
    lake = Lake(spark, fresh_settings)
    for dt in (T1, T2):
        deliver_returns(fresh_settings, dt, TAX_DELIVERIES[dt])
        run(lake, tax_steps(), dt, "first")
    deliver_returns(fresh_settings, T2, [])
    results = run(lake, tax_steps(), T2, "again")
    assert results[0].status == "empty" and results[1].status == "ok", [r.log_line() for r in results]
    fresh = fresh_lake(spark, fresh_settings, "fresh", (T1, T2), tax_steps())
    assert lake_content(fresh_settings, TAX_TABLES) == lake_content(fresh, TAX_TABLES)
    assert content(fresh_settings, "bronze", "tax_returns", T2) == []
    assert content(fresh_settings, "quarantine", "tax_returns", T2) == []
    assert {str(r["_dt"]) for r in read_table(fresh_settings, "silver", "tax_returns")} == {T1}


# ---------------------------------------------------------------------------------------------
# scd2: credit legal entities (type-2 history); gold: the as_of credit profile

CREDIT = SECTORS["credit"]
ENTITIES = CREDIT.silver_table("credit_legal_entity")
SANCTIONS = CREDIT.silver_table("credit_sanctions")
PROFILE = next(g for g in CREDIT.gold if g.name == "credit_enterprise_profile")
C1, C2, C3 = "2026-11-09", "2026-11-10", "2026-11-11"
U = {name: uscc(100 + i) for i, name in enumerate(("U1", "U2", "U3", "U4", "U5", "U6", "U7"))}


def change(entity: str, op: str, at: str, status: str = "active", name: str = "", capital: float = 100.0) -> dict:
    """One register change as delivered (`at`: local time of the change, `YYYY-MM-DD HH:MM`)."""
    return {
        "op": op,
        "uscc": U.get(entity, entity),
        "name": name or f"{entity} 有限公司",
        "legal_rep_name": f"法人{entity}",
        "legal_rep_id_no": id_no(int(entity[1:]) if entity[1:].isdigit() else 999),
        "reg_capital_wan": capital,
        "established_on": "2020-01-01",
        "industry_code": "C13",
        "division_code": "320102",
        "status": status,
        "updated_at": at.replace(" ", "T") + ":00+08:00",
    }


REGISTER_CHANGES = {
    C1: [
        change("U1", "I", f"{C1} 09:00"),
        change("U2", "I", f"{C1} 09:00"),
        change("U6", "I", f"{C1} 09:00"),
    ],
    C2: [
        change("U1", "U", f"{C2} 10:00", name="U1 更名"),
        change("U2", "I", f"{C1} 09:00"),  # the same version again: this copy wins, until withdrawn
        change("U2", "U", f"{C2} 12:00", status="revoked"),
        change("U3", "I", f"{C2} 09:00"),
        change("U5", "I", f"{C2} 09:30"),
        change("BAD", "I", f"{C2} 09:00") | {"uscc": "91320102X"},
    ],
    C3: [
        change("U1", "U", f"{C3} 11:00", name="U1 再更名"),
        change("U3", "U", f"{C3} 11:00", status="cancelled"),
    ],
}
REGISTER_C2_AGAIN = [  # U1's change, both of U2's and U5 withdrawn; U3 amended; U4 added
    change("U3", "I", f"{C2} 09:00", status="revoked"),
    change("U4", "I", f"{C2} 10:00"),
    change("U4", "U", f"{C2} 10:00") | {"legal_rep_id_no": "320102198001010000"},
]
REGISTER_C1_AGAIN = [  # U6 withdrawn; U1 amended; U7 added; U2 unchanged
    change("U1", "I", f"{C1} 09:00", capital=250.0),
    change("U2", "I", f"{C1} 09:00"),
    change("U7", "I", f"{C1} 09:00"),
]
SANCTION_HEADER = [c.delivered_name for c in load_contract("credit", "sanctions").columns]
CREDIT_TABLES = [("silver", "credit_legal_entity"), ("gold", "credit_enterprise_profile")]


def deliver_register(settings, dt: str, rows: Sequence[dict]) -> None:
    deliver(settings, "credit", "legal_entity", dt, jsonl_bytes(rows), len(rows), "part-00000.jsonl")


def credit_steps(dt: str) -> list:
    sanctions = [("bronze", SANCTIONS.feed), ("silver", SANCTIONS)] if dt == C1 else []
    return [("bronze", ENTITIES.feed), ("silver", ENTITIES), *sanctions, ("gold", PROFILE)]


@pytest.mark.reliability
@HEAVY
def test_scd2_redelivery_of_a_middle_and_then_the_oldest_date(spark, fresh_settings) -> None:
    sanction = ["S1", U["U1"], "admin_penalty", "市场监管局", "2026-10-01", "5000.00", "2027-10-01", "active",
                "2026-10-01T10:00:00+08:00"]  # fmt: skip
    deliver(fresh_settings, "credit", "sanctions", C1, csv_bytes(SANCTION_HEADER, [sanction]), 1, "part-00000.csv")
    lake = Lake(spark, fresh_settings)
    seconds = {}
    for dt in (C1, C2, C3):
        deliver_register(fresh_settings, dt, REGISTER_CHANGES[dt])
        _, seconds[dt] = timed(lake, credit_steps(dt), dt, "first")

    deliver_register(fresh_settings, C2, REGISTER_C2_AGAIN)
    results, again = timed(lake, credit_steps(C2), C2, "again")
    print(f"\ncredit dt={C2}: first run {seconds[C2]:.1f}s, re-delivery {again:.1f}s ({again / seconds[C2]:.2f}x)")
    assert results[-1].partitions == [C2, C3]  # the later snapshot was built over the old delivery too
    fresh = fresh_lake(spark, fresh_settings, "a", (C1, C2, C3), credit_steps)
    assert lake_content(fresh_settings, CREDIT_TABLES) == lake_content(fresh, CREDIT_TABLES)
    assert_same_date(fresh_settings, fresh, "credit_legal_entity", "credit_legal_entity", C2)
    history = column(fresh_settings, "silver", "credit_legal_entity", "uscc", "valid_from", "status", "_dt")
    assert [(str(h[1])[:10], h[2], str(h[3])) for h in history if h[0] == U["U2"]] == [(C1, "active", C1)]
    assert [h[2] for h in history if h[0] == U["U3"]] == ["revoked", "cancelled"]
    assert not [h for h in history if h[0] == U["U5"]]

    deliver_register(fresh_settings, C1, REGISTER_C1_AGAIN)
    run(lake, credit_steps(C1), C1, "again-oldest")
    fresh = fresh_lake(spark, fresh_settings, "c", (C1, C2, C3), credit_steps)
    assert lake_content(fresh_settings, CREDIT_TABLES) == lake_content(fresh, CREDIT_TABLES)
    assert_same_date(fresh_settings, fresh, "credit_legal_entity", "credit_legal_entity", C1)
    profiled = column(fresh_settings, "gold", "credit_enterprise_profile", "as_of_date", "uscc")
    assert not [p for p in profiled if p[1] == U["U6"]] and len([p for p in profiled if p[1] == U["U7"]]) == 3


# ---------------------------------------------------------------------------------------------
# snapshot: the energy meter register (replaced whole by the newest delivery); readings merge
# by the latest delivery; gold: daily consumption by reading day, joined to the register

ENERGY = SECTORS["energy"]
METERS = ENERGY.silver_table("energy_meters")
READINGS = ENERGY.silver_table("energy_readings")
CONSUMPTION = next(g for g in ENERGY.gold if g.name == "energy_consumption_daily")
E1, E2, E3 = "2026-11-01", "2026-11-02", "2026-11-03"
METER_HEADER = [c.delivered_name for c in load_contract("energy", "meters").columns]
READINGS_SCHEMA = pa.schema(
    [("meter_id", pa.string()), ("reading_ts", pa.timestamp("us", tz="UTC")), ("kwh", pa.float64()),
     ("quality", pa.int32())]
)  # fmt: skip


def meter(meter_id: str, kind: str = "residential", division: str = "320102") -> list:
    enterprise = kind != "residential"
    return [meter_id, f"AC-{meter_id}", kind, uscc(200) if enterprise else "", division, "C13" if enterprise else "",
            "10.0", "2020-01-01", "in_service"]  # fmt: skip


def readings(day: str, meters: Sequence[str], slots: Sequence[int], kwh: float = 1.0) -> list[tuple]:
    """Readings of `meters` for local `day`'s `slots` (interval ends, UTC); kWh exact in binary."""
    start = datetime.fromisoformat(f"{day}T00:00:00+08:00").astimezone(UTC)
    return [(m, start + timedelta(minutes=15 * (s + 1)), kwh + 0.25 * s, 0) for m in meters for s in slots]


REGISTERS = {
    E1: [meter("M1", "commercial"), meter("M2"), meter("M3", "industrial"), meter("M4"), meter("M9")],
    E2: [meter("M1", "commercial"), meter("M2"), meter("M3", "industrial"), meter("M4"), meter("M5"), meter("M9")],
    E3: [meter("M1", "commercial"), meter("M2", division="320205"), meter("M3", "industrial"), meter("M4"),
         meter("M5"), meter("M6")],
}  # fmt: skip
REGISTER_E2_AGAIN = [  # M3 withdrawn, M1 amended, M7 added, one bad row: none of it may reach silver (dt3 is newer)
    meter("M1", "commercial", division="320104"), meter("M2"), meter("M4"), meter("M5"), meter("M7"),
    meter("M8", division="999999"),
]  # fmt: skip
REGISTER_E3_AGAIN = [  # the newest register corrected: M6 withdrawn, M2 amended back to Nanjing
    meter("M1", "commercial"), meter("M2"), meter("M3", "industrial"), meter("M4"), meter("M5"),
]  # fmt: skip
REGISTER_E1_AGAIN = [  # agrees with dt3 on the meters that read on day 1; M9 withdrawn, M8 added
    meter("M1", "commercial"), meter("M2", division="320205"), meter("M3", "industrial"), meter("M4"), meter("M8"),
]  # fmt: skip
READINGS_DELIVERED = {
    E1: readings(E1, ["M1", "M2", "M3", "M4"], [0, 1]),
    E2: readings(E2, ["M1", "M2", "M3", "M4", "M5"], [0, 1]),
    # Day 3, and late and resent readings of day 2 (so day 2 is rebuilt with dt3's register in any order).
    E3: readings(E3, ["M1", "M2", "M3", "M4", "M5", "M6"], [0, 1])
    + readings(E2, ["M1"], [2])
    + readings(E2, ["M2"], [0], kwh=3.0),
}
READINGS_E2_AGAIN = (  # M5's slot 1 withdrawn, M1's slot 0 amended, M2's slot 0 (resent by dt3) withdrawn, M3's slot 3 added
    readings(E2, ["M1"], [0], kwh=2.0)
    + readings(E2, ["M1"], [1])
    + readings(E2, ["M2"], [1])
    + readings(E2, ["M3", "M4"], [0, 1])
    + readings(E2, ["M3"], [3])
    + readings(E2, ["M5"], [0])
)


def readings_of_day(day: str, *deliveries: Sequence[tuple]) -> set[tuple]:
    """(meter, interval end) of the delivered readings whose local day is `day` (what silver keeps of them)."""
    tz = datetime.fromisoformat(f"{day}T00:00:00+08:00").tzinfo
    return {
        (r[0], r[1])
        for d in deliveries
        for r in d
        if (r[1] - timedelta(minutes=15)).astimezone(tz).date().isoformat() == day
    }


def gold_readings(settings, day: str) -> dict[str, int]:
    """Readings counted in `gold.energy_consumption_daily` on `day`, by customer type."""
    counts: dict[str, int] = {}
    for r in read_table(settings, "gold", "energy_consumption_daily"):
        if str(r["date"]) == day:
            counts[r["customer_type"]] = counts.get(r["customer_type"], 0) + r["readings"]
    return counts


ENERGY_TABLES = [("silver", "energy_meters"), ("silver", "energy_readings"), ("gold", "energy_consumption_daily")]


def deliver_energy(settings, dt: str, register: Sequence[list] | None, delivered: Sequence[tuple] | None) -> None:
    if register is not None:
        deliver(settings, "energy", "meters", dt, csv_bytes(METER_HEADER, register), len(register), "part-00000.csv")
    if delivered is not None:
        table = pa.Table.from_pylist(
            [dict(zip(READINGS_SCHEMA.names, r, strict=True)) for r in delivered], READINGS_SCHEMA
        )
        deliver(settings, "energy", "readings", dt, parquet_bytes(table), len(delivered), "part-00000.parquet")


def energy_steps(dt: str, feeds: Sequence[str] = ("meters", "readings")) -> list:
    specs = [s for s in (METERS, READINGS) if s.feed.feed in feeds]
    return [step for s in specs for step in (("bronze", s.feed), ("silver", s))] + [("gold", CONSUMPTION)]


@pytest.mark.reliability
@HEAVY
def test_snapshot_redelivery_of_an_old_date_never_rolls_the_register_back(spark, fresh_settings) -> None:
    lake = Lake(spark, fresh_settings)
    seconds = {}
    for dt in (E1, E2, E3):
        deliver_energy(fresh_settings, dt, REGISTERS[dt], READINGS_DELIVERED[dt])
        _, seconds[dt] = timed(lake, energy_steps(dt), dt, "first")
    register = content(fresh_settings, "silver", "energy_meters")

    deliver_energy(fresh_settings, E2, REGISTER_E2_AGAIN, READINGS_E2_AGAIN)
    results, again = timed(lake, energy_steps(E2), E2, "again")
    print(f"\nenergy dt={E2}: first run {seconds[E2]:.1f}s, re-delivery {again:.1f}s ({again / seconds[E2]:.2f}x)")
    assert "register of 2026-11-03 kept" in results[1].message
    assert content(fresh_settings, "silver", "energy_meters") == register  # still dt3's register
    fresh = fresh_lake(spark, fresh_settings, "a", (E1, E2, E3), energy_steps)
    assert lake_content(fresh_settings, ENERGY_TABLES) == lake_content(fresh, ENERGY_TABLES)
    for feed in ("meters", "readings"):
        assert_same_date(fresh_settings, fresh, f"energy_{feed}", f"energy_{feed}", E2)
    assert content(fresh_settings, "quarantine", "energy_meters", E2)  # the new bad row, and only it (above)

    # Gold follows: day 2 counts exactly the readings the final deliveries hold for it (M5's and
    # M2's withdrawn slots gone, M2's slot 0 back from dt3's resend, M3's added slot in), by
    # the customer type of the register silver holds (dt3's).
    def by_type(readings: set[tuple]) -> dict[str, int]:
        kinds = {m[0]: m[2] for m in REGISTERS[E3]}
        counts: dict[str, int] = {}
        for meter_id, _ in readings:
            counts[kinds.get(meter_id, "unregistered")] = counts.get(kinds.get(meter_id, "unregistered"), 0) + 1
        return counts

    day2 = by_type(readings_of_day(E2, READINGS_E2_AGAIN, READINGS_DELIVERED[E3]))
    assert gold_readings(fresh_settings, E2) == day2
    assert by_type(readings_of_day(E2, READINGS_DELIVERED[E2], READINGS_DELIVERED[E3])) != day2  # it did change

    # The oldest date's register again: bronze and quarantine take it, silver keeps dt3's.
    deliver_energy(fresh_settings, E1, REGISTER_E1_AGAIN, None)
    run(lake, energy_steps(E1, feeds=("meters",)), E1, "again-oldest")
    assert content(fresh_settings, "silver", "energy_meters") == register
    fresh = fresh_lake(spark, fresh_settings, "c", (E1, E2, E3), energy_steps)
    assert lake_content(fresh_settings, ENERGY_TABLES) == lake_content(fresh, ENERGY_TABLES)
    assert_same_date(fresh_settings, fresh, "energy_meters", "energy_meters", E1)

    # The newest register corrected (readings of dt3 delivered again as they were, as the DAG
    # runs every feed of the date): the register becomes it, and gold's days follow.
    assert "M6" in {r[0] for r in column(fresh_settings, "silver", "energy_meters", "meter_id")}
    deliver_energy(fresh_settings, E3, REGISTER_E3_AGAIN, None)
    run(lake, energy_steps(E3), E3, "again-newest")
    assert column(fresh_settings, "silver", "energy_meters", "meter_id", "division_code") == sorted(
        (m[0], m[4]) for m in REGISTER_E3_AGAIN
    )
    fresh = fresh_lake(spark, fresh_settings, "d", (E1, E2, E3), energy_steps)
    assert lake_content(fresh_settings, ENERGY_TABLES) == lake_content(fresh, ENERGY_TABLES)
    assert_same_date(fresh_settings, fresh, "energy_meters", "energy_meters", E3)
    # M6 (withdrawn from the register) reads on day 3 only: its readings are unregistered there now.
    m6 = readings_of_day(E3, [r for r in READINGS_DELIVERED[E3] if r[0] == "M6"])
    assert gold_readings(fresh_settings, E3).get("unregistered", 0) == len(m6) > 0
