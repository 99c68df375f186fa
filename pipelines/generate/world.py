"""The consistent synthetic world behind every feed.

One world per (seed, scale): the market entities (with their lifetimes, sizes and
planted risks), the electricity meters they and the households own, the highway
gantries, the transport hubs and the hospitals. Feeds only read the world, so the
same USCC appears in credit, tax and energy, and event feeds reference registers.
Calendar anchors are fixed constants (not the run's dates), so separate runs over
different dates see the same world.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pipelines.generate import names
from pipelines.generate.calendar import NEVER, day_number
from pipelines.generate.rand import rng_for
from pipelines.generate.text import zfill
from pipelines.ids import INDUSTRY_SECTIONS, county_divisions, jiangsu_divisions, make_usccs

ANCHOR = dt.date(2026, 6, 1)  # the population is calibrated to ~15k alive entities (scale 1) here
HORIZON_YEAR = 2031  # entities are registered up to the end of 2030
ALIVE_AT_ANCHOR = 0.3485  # share of all world entities alive at ANCHOR (measured once)
RISK_TREND_START = dt.date(2026, 1, 1)  # planted power-up/tax-down enterprises diverge from here

# Share of entities per Jiangsu city (GB/T 2260 city code); a rough economic weight.
CITY_WEIGHTS = {
    "320100": 0.13,
    "320200": 0.10,
    "320300": 0.08,
    "320400": 0.07,
    "320500": 0.20,
    "320600": 0.08,
    "320700": 0.04,
    "320800": 0.05,
    "320900": 0.06,
    "321000": 0.05,
    "321100": 0.04,
    "321200": 0.05,
    "321300": 0.05,
}
# GB/T 4754 section mix by registration prefix (91 enterprise, 92 individual business, 93 co-op).
SECTION_MIX: dict[str, dict[str, float]] = {
    "91": {
        "C": 22,
        "G": 25,
        "F": 8,
        "I": 4,
        "L": 3,
        "M": 12,
        "J": 6,
        "H": 3,
        "K": 2,
        "N": 4,
        "E": 1,
        "D": 1,
        "A": 3,
        "B": 0.5,
        "O": 0.5,
        "P": 2,
        "Q": 1,
        "R": 1,
        "S": 2,
        "T": 0.5,
    },
    "92": {"G": 55, "H": 18, "P": 12, "I": 5, "S": 3, "C": 3, "A": 2, "R": 2},
    "93": {"A": 90, "G": 10},
}
PREFIX_SHARES = {"91": 0.36, "92": 0.62, "93": 0.02}
RISK_KINDS = ("power_up_tax_down", "dishonest_but_active", "deregistered_but_consuming")


@dataclass(frozen=True)
class Enterprises:
    """Market entities of the register, one row per entity ever registered (by index)."""

    uscc: np.ndarray
    prefix: np.ndarray
    name_prefix: np.ndarray  # name = prefix + brand + tail; a name change swaps the brand
    brand: np.ndarray
    name_tail: np.ndarray
    division: np.ndarray
    industry: np.ndarray
    revenue_wan: np.ndarray  # annual revenue in 10,000 CNY: drives tax and electricity
    reg_capital_wan: np.ndarray
    established: np.ndarray  # day numbers
    deregistered: np.ndarray  # day numbers, NEVER when still alive at the horizon
    revoked: np.ndarray  # licence revoked (吊销) on this day, NEVER otherwise
    change_period: np.ndarray  # days between two register changes (U)
    change_offset: np.ndarray
    risk: np.ndarray  # "" or one of RISK_KINDS

    def __len__(self) -> int:
        return len(self.uscc)

    @property
    def name(self) -> np.ndarray:
        """Registered names at registration."""
        return np.char.add(np.char.add(self.name_prefix, self.brand), self.name_tail)

    def alive(self, day: int) -> np.ndarray:
        """Mask of entities registered on or before `day` and not yet deregistered."""
        return (self.established <= day) & (self.deregistered > day)


@dataclass(frozen=True)
class Meters:
    """Electricity meters; `owner` is the enterprise index or -1 for households."""

    meter_id: np.ndarray
    account_id: np.ndarray
    customer_type: np.ndarray
    owner: np.ndarray
    division: np.ndarray
    industry: np.ndarray
    rated_kw: np.ndarray
    avg_kw: np.ndarray
    installed: np.ndarray
    removed: np.ndarray

    def __len__(self) -> int:
        return len(self.meter_id)

    def in_service(self, day: int) -> np.ndarray:
        """Mask of meters installed on or before `day` and not removed."""
        return (self.installed <= day) & (self.removed > day)


@dataclass(frozen=True)
class Gantries:
    """Highway ETC gantries (pairs of up/down at the same km marker)."""

    gantry_id: np.ndarray
    road_code: np.ndarray
    km_marker: np.ndarray
    direction: np.ndarray
    division: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    weight: np.ndarray  # share of the day's passages


@dataclass(frozen=True)
class Hubs:
    """Transport hubs with passenger flow."""

    hub_id: np.ndarray
    name: np.ndarray
    hub_type: np.ndarray
    division: np.ndarray
    daily_passengers: np.ndarray


@dataclass(frozen=True)
class Hospitals:
    """Hospitals of the register."""

    code: np.ndarray
    name: np.ndarray
    level: np.ndarray
    division: np.ndarray
    weight: np.ndarray  # share of the day's outpatient visits


@dataclass(frozen=True, eq=False)  # identity hash: feeds cache per-world lookups
class World:
    """Everything the feeds draw from."""

    seed: int
    scale: float
    enterprises: Enterprises
    meters: Meters
    gantries: Gantries
    hubs: Hubs
    hospitals: Hospitals


def city_names() -> dict[str, str]:
    """City code -> city name, e.g. 320500 -> 苏州市."""
    return {c: name for c, (name, level, _) in jiangsu_divisions().items() if level == "city"}


def counties_by_city() -> dict[str, list[str]]:
    """City code -> its county-level division codes."""
    out: dict[str, list[str]] = {}
    for code in county_divisions():
        out.setdefault(code[:4] + "00", []).append(code)
    return out


def draw_divisions(rng: np.random.Generator, n: int) -> np.ndarray:
    """County-level Jiangsu division codes weighted by city size."""
    cities = list(CITY_WEIGHTS)
    weights = np.array(list(CITY_WEIGHTS.values()))
    city = rng.choice(len(cities), n, p=weights / weights.sum())
    by_city = counties_by_city()
    out = np.empty(n, dtype="U6")
    for k, code in enumerate(cities):
        mask = city == k
        out[mask] = np.array(by_city[code])[rng.integers(0, len(by_city[code]), int(mask.sum()))]
    return out


def draw_industries(rng: np.random.Generator, prefixes: np.ndarray) -> np.ndarray:
    """GB/T 4754 codes (section + division) following each prefix's section mix."""
    n = len(prefixes)
    out = np.empty(n, dtype="U3")
    for prefix, mix in SECTION_MIX.items():
        mask = prefixes == prefix
        sections = np.array(list(mix))
        weights = np.array(list(mix.values()), dtype=float)
        chosen = sections[rng.choice(len(sections), int(mask.sum()), p=weights / weights.sum())]
        low = np.array([INDUSTRY_SECTIONS[s][0] for s in chosen], dtype=int)
        high = np.array([INDUSTRY_SECTIONS[s][1] for s in chosen], dtype=int)
        division = low + (rng.random(len(chosen)) * (high - low + 1)).astype(int)
        out[mask] = np.char.add(chosen, zfill(division, 2))
    return out


def _years_to_days(years: np.ndarray) -> np.ndarray:
    """Fractional calendar years (e.g. 2026.5) to day numbers."""
    return ((years - 1970.0) * 365.2425).astype(np.int64)


def build_enterprises(seed: int, scale: float) -> Enterprises:
    """Draw the market entities for a world.

    Args:
        seed: world seed.
        scale: 1.0 gives ~15k entities alive at `ANCHOR`.

    Returns:
        The entities, ordered by registration index.
    """
    rng = rng_for(seed, "world", "enterprises")
    n = max(int(round(15_000 * scale / ALIVE_AT_ANCHOR)), 60)
    prefixes = np.array(list(PREFIX_SHARES))[rng.choice(3, n, p=list(PREFIX_SHARES.values()))]
    individual = prefixes == "92"
    # Registrations grow exponentially towards the horizon (tau 12 years, from 1980).
    u = rng.random(n)
    tau, span = 12.0, HORIZON_YEAR - 1980.0
    established = _years_to_days(HORIZON_YEAR - (-tau * np.log1p(-u * (1 - np.exp(-span / tau)))))
    lifetime_years = np.where(individual, rng.exponential(9.0, n), rng.exponential(20.0, n))
    deregistered = established + (lifetime_years * 365.2425).astype(np.int64) + 30
    deregistered = np.where(deregistered > day_number(dt.date(HORIZON_YEAR, 1, 1)), NEVER, deregistered)
    revoked = np.where((rng.random(n) < 0.03) & (deregistered < NEVER), deregistered - rng.integers(60, 720, n), NEVER)
    revoked = np.where(revoked <= established + 30, NEVER, revoked)
    divisions = draw_divisions(rng, n)
    industries = draw_industries(rng, prefixes)
    revenue = np.where(individual, rng.lognormal(np.log(30), 0.8, n), rng.lognormal(np.log(600), 1.5, n))
    capital = np.where(
        individual,
        np.round(rng.lognormal(np.log(10), 0.8, n), 1),
        np.round(np.maximum(revenue * rng.lognormal(-0.7, 0.6, n), 3.0), 0),
    )
    cities = city_names()
    sections = industries.astype("U1")
    city_of = np.vectorize(lambda d: cities[d[:4] + "00"], otypes=[str])
    prefix_, brand, tail = names.enterprise_name_parts(rng, city_of(divisions), sections, individual)
    risk = plant_risks(rng, established, deregistered, revoked, prefixes, sections, revenue)
    deregistered, revoked = _apply_planted_lifetimes(rng, risk, deregistered, revoked)
    return Enterprises(
        uscc=make_usccs(rng, divisions, prefixes),
        prefix=prefixes,
        name_prefix=prefix_,
        brand=brand,
        name_tail=tail,
        division=divisions,
        industry=industries,
        revenue_wan=revenue,
        reg_capital_wan=capital,
        established=established,
        deregistered=deregistered,
        revoked=revoked,
        change_period=rng.integers(40, 121, n),
        change_offset=rng.integers(0, 10_000, n),
        risk=risk,
    )


def plant_risks(
    rng: np.random.Generator,
    established: np.ndarray,
    deregistered: np.ndarray,
    revoked: np.ndarray,
    prefixes: np.ndarray,
    sections: np.ndarray,
    revenue: np.ndarray,
) -> np.ndarray:
    """Choose the planted risk enterprises among mid-size enterprises alive at the anchor.

    Returns:
        Array of "" or a risk kind per entity; at least 3 of each kind.
    """
    n = len(prefixes)
    anchor = day_number(ANCHOR)
    eligible = (
        (prefixes == "91")
        & (established < anchor - 3 * 365)
        & (deregistered > anchor + 5 * 365)
        & (revoked == NEVER)
        & (revenue > 300)
    )
    per_kind = max(3, int(round(n * ALIVE_AT_ANCHOR * 0.001)))
    risk = np.full(n, "", dtype="U26")
    for kind in RISK_KINDS:
        pool = eligible & (risk == "")
        if kind == "power_up_tax_down":  # electricity-heavy industries make the divergence visible
            pool &= np.isin(sections, ["B", "C", "D"])
        candidates = np.flatnonzero(pool)
        risk[rng.choice(candidates, min(per_kind, len(candidates)), replace=False)] = kind
    return risk


def _apply_planted_lifetimes(
    rng: np.random.Generator, risk: np.ndarray, deregistered: np.ndarray, revoked: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Deregister the planted 'deregistered_but_consuming' entities a year before the anchor."""
    planted = risk == "deregistered_but_consuming"
    days = day_number(ANCHOR) - rng.integers(150, 400, len(risk))
    return np.where(planted, days, deregistered), np.where(planted, NEVER, revoked)
