"""health/hospitals (register snapshot, CSV) and health/outpatient_visits (JSON Lines).

Diagnoses follow a syndrome mix with a seasonal influenza wave (ILI, ICD-10 J09-J11,
peaking mid-January) and, every year, an ILI outbreak in one city for three weeks
in late autumn (city and weeks from the seed; see `outbreak`). Patients are drawn
per visit; gender and birth date always agree with the identity number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np

from pipelines.generate import defects as d
from pipelines.generate.calendar import SECONDS_PER_DAY, date_strings, day_number, local_datetime_strings
from pipelines.generate.feeds.base import Chunk, DayContext, Feed, FeedSpec, split_columns
from pipelines.generate.people import make_people
from pipelines.generate.rand import hash_uniform, rng_for
from pipelines.generate.registers import number_ids
from pipelines.generate.text import money, to_cents
from pipelines.generate.world import CITY_WEIGHTS, World, counties_by_city

VISITS_PER_DAY = 2_000  # at scale 1
OUTBREAK_WEEKS = 3
OUTBREAK_FACTOR = 4.0  # ILI share multiplier in the outbreak city
# Syndrome group -> (ICD-10 codes, code weights, department, mean fee CNY).
DIAGNOSES: dict[str, tuple[tuple[str, ...], tuple[float, ...], str, float]] = {
    "ILI": (("J10.1", "J11.1", "J10.0", "J11.0", "J09"), (0.35, 0.45, 0.05, 0.14, 0.01), "发热门诊", 180.0),
    "URI": (("J06.9", "J02.9", "J03.9", "J00"), (0.55, 0.2, 0.15, 0.1), "呼吸内科", 150.0),
    "GI": (("A09", "A08.4", "A04.9"), (0.6, 0.3, 0.1), "消化内科", 200.0),
    "varicella": (("B01.9",), (1.0,), "感染科", 160.0),
    "measles": (("B05.9",), (1.0,), "感染科", 220.0),
    "TB": (("A15.0", "A16.2"), (0.6, 0.4), "结核病科", 400.0),
    "other": (
        (
            "I10",
            "E11.9",
            "K29.7",
            "M54.5",
            "J20.9",
            "J18.9",
            "N39.0",
            "K21.9",
            "H10.9",
            "L30.9",
            "R50.9",
            "Z00.0",
            "F41.1",
            "S09.9",
            "R10.4",
            "J45.9",
        ),
        (0.16, 0.12, 0.08, 0.08, 0.07, 0.04, 0.05, 0.05, 0.05, 0.05, 0.04, 0.06, 0.03, 0.04, 0.04, 0.04),
        "普通内科",
        260.0,
    ),
}
OTHER_DEPARTMENTS = {
    "I10": "心血管内科",
    "E11.9": "内分泌科",
    "K29.7": "消化内科",
    "M54.5": "骨科",
    "J20.9": "呼吸内科",
    "J18.9": "呼吸内科",
    "N39.0": "泌尿外科",
    "K21.9": "消化内科",
    "H10.9": "眼科",
    "L30.9": "皮肤科",
    "R50.9": "发热门诊",
    "Z00.0": "体检中心",
    "F41.1": "心理科",
    "S09.9": "急诊科",
    "R10.4": "急诊科",
    "J45.9": "呼吸内科",
}


def _fresh_hospital_codes(columns: d.Columns, rows: np.ndarray, rng: np.random.Generator) -> None:
    """Codes no registered hospital has (sequence part 9xxxxx, outside the register's range)."""
    for r in rows:
        d.set_cell(
            columns, "hospital_code", int(r), str(columns["division_code"][r])[:6] + f"9{int(rng.integers(10**5)):05d}"
        )


HOSPITALS_SPEC = FeedSpec(
    sector="health",
    feed="hospitals",
    fmt="csv",
    columns=("hospital_code", "name", "level", "division_code"),
    ext="csv",
    producer="江苏省卫生健康委员会",
    clone_key=_fresh_hospital_codes,
    drift_column=("beds", "500"),
    recipes={
        "missing_required": (d.blank("hospital_code"), d.blank("name")),
        "invalid_division": (d.bad_division("division_code"),),
        "unparseable_row": (d.wrong_column_count(","),),
    },
)


def make_hospitals(world: World, ctx: DayContext) -> Iterator[Chunk]:
    """The hospital register (the same every day)."""
    h = world.hospitals
    yield from split_columns({"hospital_code": h.code, "name": h.name, "level": h.level, "division_code": h.division})


# --- visits ---------------------------------------------------------------------------------

VISIT_COLUMNS = (
    "visit_id",
    "hospital_code",
    "patient_id_no",
    "patient_name",
    "patient_phone",
    "gender",
    "birth_date",
    "visit_time",
    "department",
    "icd10",
    "fee_total_cny",
    "insurance_paid_cny",
    "patient_division_code",
)


def _inconsistent_gender(columns: d.Columns, row: int, spoil: d.Spoil) -> str:
    flipped = "F" if columns["gender"][row] == "M" else "M"
    d.set_cell(columns, "gender", row, flipped)
    return f"gender {flipped} disagrees with patient_id_no"


def _inconsistent_birth(columns: d.Columns, row: int, spoil: d.Spoil) -> str:
    born = dt.date.fromisoformat(str(columns["birth_date"][row])) - dt.timedelta(days=int(spoil.rng.integers(1, 300)))
    d.set_cell(columns, "birth_date", row, born.isoformat())
    return f"birth_date {born} disagrees with patient_id_no"


def _insurance_above_fee(columns: d.Columns, row: int, spoil: d.Spoil) -> str:
    fee = float(columns["fee_total_cny"][row])
    paid = fee + float(spoil.rng.integers(1, 200))
    d.set_cell(columns, "insurance_paid_cny", row, f"{paid:.2f}")
    return f"insurance_paid_cny {paid:.2f} > fee_total_cny {fee:.2f}"


VISITS_SPEC = FeedSpec(
    sector="health",
    feed="outpatient_visits",
    fmt="jsonl",
    columns=VISIT_COLUMNS,
    ext="jsonl",
    numeric=frozenset({"fee_total_cny", "insurance_paid_cny"}),
    producer="江苏省全民健康信息平台",
    drift_column=("triage_level", "3"),
    recipes={
        "missing_required": (d.blank("visit_id"), d.blank("hospital_code")),
        "invalid_id_no": (d.bad_id_no("patient_id_no"),),
        "invalid_division": (d.bad_division("patient_division_code"),),
        "out_of_range": (d.negative("insurance_paid_cny"),),
        "future_date": (d.future("visit_time", "iso"),),
        "inconsistent_row": (
            d.Recipe("inconsistent_row", cell=_inconsistent_gender),
            d.Recipe("inconsistent_row", cell=_inconsistent_birth),
            d.Recipe("inconsistent_row", cell=_insurance_above_fee),
        ),
        "unparseable_row": (d.broken_json(), d.not_a_number("fee_total_cny")),
    },
)


def outbreak(seed: int, year: int) -> tuple[str, int]:
    """The city (code) and first ISO week of the year's ILI outbreak."""
    cities = list(CITY_WEIGHTS)
    u = hash_uniform(f"{seed}:outbreak", year)
    v = hash_uniform(f"{seed}:outbreak.week", year)
    return cities[int(u * len(cities)) % len(cities)], 44 + int(v * 5)


def ili_share(day: dt.date) -> float:
    """Seasonal share of ILI among visits: 2% baseline, ~12% at the mid-January peak."""
    week = day.isocalendar()[1]
    distance = min(abs(week - 3), 52 - abs(week - 3))
    summer = abs(week - 30)
    return 0.02 + 0.10 * float(np.exp(-0.5 * (distance / 3.5) ** 2)) + 0.015 * float(np.exp(-0.5 * (summer / 2.0) ** 2))


def _in_outbreak(seed: int, day: dt.date) -> str | None:
    """The outbreak city if `day` falls in its weeks."""
    iso_year, week, _ = day.isocalendar()
    city, first = outbreak(seed, iso_year)
    return city if first <= week < first + OUTBREAK_WEEKS else None


def _group_shares(day: dt.date, ili: float) -> dict[str, float]:
    """Syndrome group shares of the day's visits."""
    spring = 1.0 + 1.5 * float(day.month in (3, 4, 5))
    winter_gi = 1.0 + 0.5 * float(day.month in (11, 12, 1, 2))
    shares = {
        "ILI": ili,
        "URI": 0.12,
        "GI": 0.05 * winter_gi,
        "varicella": 0.004 * spring,
        "measles": 0.0003,
        "TB": 0.002,
    }
    shares["other"] = 1.0 - sum(shares.values())
    return shares


def _diagnoses(rng: np.random.Generator, n: int, shares: dict[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ICD-10 code, department and mean fee per visit."""
    groups = list(DIAGNOSES)
    p = np.array([shares[g] for g in groups])
    group = rng.choice(len(groups), n, p=p / p.sum())
    icd = np.empty(n, dtype="U8")
    dept = np.empty(n, dtype=object)
    fee = np.empty(n)
    for k, g in enumerate(groups):
        codes, weights, department, mean_fee = DIAGNOSES[g]
        rows = group == k
        chosen = np.array(codes)[rng.choice(len(codes), int(rows.sum()), p=np.array(weights) / sum(weights))]
        icd[rows] = chosen
        dept[rows] = [OTHER_DEPARTMENTS.get(c, department) for c in chosen] if g == "other" else department
        fee[rows] = mean_fee
    return icd, dept.astype(str), fee


def _visit_counts(world: World, rng: np.random.Generator, day: dt.date, outbreak_city: str | None) -> np.ndarray:
    """Visits per hospital: weekday pattern, winter bump, extra ILI visits in the outbreak city."""
    weekday = {5: 0.75, 6: 0.6}.get(day.weekday(), 1.0)
    winter = 1.0 + 0.15 * float(day.month in (12, 1, 2))
    h = world.hospitals
    boost = np.where(
        np.char.startswith(h.division, outbreak_city[:4]) if outbreak_city else False,
        1.0 + (OUTBREAK_FACTOR - 1.0) * ili_share(day),
        1.0,
    )
    return rng.poisson(VISITS_PER_DAY * world.scale * weekday * winter * h.weight * boost)


def make_visits(world: World, ctx: DayContext) -> Iterator[Chunk]:
    """The day's outpatient visits."""
    rng = rng_for(ctx.seed, "health.visits", ctx.day.isoformat())
    h = world.hospitals
    city = _in_outbreak(ctx.seed, ctx.day)
    counts = _visit_counts(world, rng, ctx.day, city)
    hosp = np.repeat(np.arange(len(counts)), counts)
    n = len(hosp)
    icd, dept, mean_fee = _diagnoses(rng, n, _group_shares(ctx.day, ili_share(ctx.day)))
    if city is not None:  # in the outbreak city a share of visits turns into ILI
        in_city = np.char.startswith(h.division[hosp], city[:4])
        extra = in_city & (rng.random(n) < (OUTBREAK_FACTOR - 1.0) * ili_share(ctx.day))
        ili_codes, ili_w, ili_dept, ili_fee = DIAGNOSES["ILI"]
        icd[extra] = np.array(ili_codes)[rng.choice(len(ili_codes), int(extra.sum()), p=np.array(ili_w) / sum(ili_w))]
        dept[extra] = ili_dept
        mean_fee[extra] = ili_fee
        ctx.count("outbreak_extra_ili", int(extra.sum()))
    home = _patient_divisions(rng, h.division[hosp])
    day = day_number(ctx.day)
    people = make_people(
        f"{ctx.seed}:patient",
        (np.full(n, day), np.arange(n)),
        dt.date(1935, 1, 1),
        ctx.day - dt.timedelta(days=30),
        home=home,
    )
    fee = to_cents(mean_fee * rng.lognormal(-0.2, 0.6, n))
    ratio = np.where(rng.random(n) < 0.15, 0.0, rng.uniform(0.5, 0.85, n))
    hour_second = _visit_seconds(rng, n)
    ctx.count("ili_visits", int(np.isin(icd.astype("U3"), ["J09", "J10", "J11"]).sum()))
    yield from split_columns(
        {
            "visit_id": number_ids("MZ" + ctx.day.strftime("%Y%m%d"), np.arange(n), 8),
            "hospital_code": h.code[hosp],
            "patient_id_no": people.id_no,
            "patient_name": people.name,
            "patient_phone": people.phone,
            "gender": people.gender,
            "birth_date": date_strings(people.birth),
            "visit_time": local_datetime_strings(day * SECONDS_PER_DAY + hour_second),
            "department": dept,
            "icd10": icd,
            "fee_total_cny": money(fee),
            "insurance_paid_cny": money(np.floor(fee * ratio)),
            "patient_division_code": home,
        }
    )


def _patient_divisions(rng: np.random.Generator, hospital_divisions: np.ndarray) -> np.ndarray:
    """Patients live in the hospital's county (75%), its city (20%) or elsewhere in Jiangsu."""
    by_city = counties_by_city()
    all_counties = np.concatenate([np.array(v) for v in by_city.values()])
    u = rng.random(len(hospital_divisions))
    same_city = np.array(
        [
            by_city[c[:4] + "00"][int(x * len(by_city[c[:4] + "00"]))]
            for c, x in zip(hospital_divisions, rng.random(len(hospital_divisions)), strict=True)
        ],
        dtype="U6",
    )
    anywhere = all_counties[rng.integers(0, len(all_counties), len(hospital_divisions))]
    return np.where(u < 0.75, hospital_divisions, np.where(u < 0.95, same_city, anywhere))


def _visit_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Second of day of each visit: morning peak, afternoon clinic, a few evening emergencies."""
    kind = rng.random(n)
    morning = rng.normal(9.5 * 3600, 1.2 * 3600, n)
    afternoon = rng.normal(15.0 * 3600, 1.1 * 3600, n)
    evening = rng.uniform(18 * 3600, 23.9 * 3600, n)
    seconds = np.where(kind < 0.6, morning, np.where(kind < 0.95, afternoon, evening))
    return np.clip(seconds, 7 * 3600, SECONDS_PER_DAY - 1).astype(np.int64)


FEEDS = (Feed(HOSPITALS_SPEC, make_hospitals), Feed(VISITS_SPEC, make_visits))
