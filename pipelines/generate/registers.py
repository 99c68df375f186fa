"""The world's registers besides market entities: meters, gantries, hubs, hospitals."""

from __future__ import annotations

import datetime as dt

import numpy as np

from pipelines.generate.calendar import NEVER, day_number
from pipelines.generate.rand import rng_for
from pipelines.generate.text import zfill
from pipelines.generate.world import (
    Enterprises,
    Gantries,
    Hospitals,
    Hubs,
    Meters,
    city_names,
    counties_by_city,
    draw_divisions,
)
from pipelines.ids import jiangsu_divisions

RESIDENTIAL_AT_ANCHOR = 38_000  # household meters in service at the anchor, scale 1
RESIDENTIAL_ALIVE_SHARE = 0.50  # share of all drawn household meters in service at the anchor
# Annual kWh per 10,000 CNY of revenue, by customer type.
ENERGY_INTENSITY = {"industrial": 150.0, "commercial": 30.0, "agricultural": 60.0}

# Roads (code, relative traffic, cities crossed).
ROADS = (
    ("G2", 1.6, ("320300", "321300", "320800", "321000", "321200", "320200", "320500")),
    ("G42", 1.8, ("320500", "320200", "320400", "321100", "320100")),
    ("G15", 1.2, ("320700", "320900", "320600", "320500")),
    ("G25", 1.0, ("320700", "320800", "320100")),
    ("G40", 0.9, ("320600", "321200", "321000", "320100")),
    ("G30", 0.8, ("320700", "320300")),
    ("G1515", 0.5, ("320900", "320800")),
    ("G2513", 0.5, ("320800", "321300", "320300")),
    ("S38", 0.6, ("320400", "320100")),
    ("S39", 0.4, ("320400", "320200")),
)
# City centre coordinates (lat, lon) for placing gantries.
CITY_CENTRES = {
    "320100": (32.06, 118.80),
    "320200": (31.49, 120.31),
    "320300": (34.26, 117.18),
    "320400": (31.81, 119.97),
    "320500": (31.30, 120.58),
    "320600": (31.98, 120.89),
    "320700": (34.60, 119.22),
    "320800": (33.55, 119.11),
    "320900": (33.35, 120.16),
    "321000": (32.39, 119.41),
    "321100": (32.19, 119.42),
    "321200": (32.46, 119.92),
    "321300": (33.96, 118.28),
}
# Named hubs: (name, type, city, daily passengers at full size).
NAMED_HUBS = (
    ("南京南站", "rail", "320100", 180_000),
    ("南京站", "rail", "320100", 90_000),
    ("苏州站", "rail", "320500", 80_000),
    ("苏州北站", "rail", "320500", 50_000),
    ("无锡站", "rail", "320200", 45_000),
    ("无锡东站", "rail", "320200", 30_000),
    ("徐州东站", "rail", "320300", 40_000),
    ("常州站", "rail", "320400", 30_000),
    ("南通西站", "rail", "320600", 15_000),
    ("扬州东站", "rail", "321000", 12_000),
    ("镇江站", "rail", "321100", 20_000),
    ("淮安东站", "rail", "320800", 12_000),
    ("盐城站", "rail", "320900", 12_000),
    ("连云港站", "rail", "320700", 10_000),
    ("泰州站", "rail", "321200", 8_000),
    ("宿迁站", "rail", "321300", 8_000),
    ("南京禄口国际机场", "air", "320100", 80_000),
    ("苏南硕放国际机场", "air", "320200", 25_000),
    ("徐州观音国际机场", "air", "320300", 12_000),
    ("常州奔牛国际机场", "air", "320400", 10_000),
    ("南通兴东国际机场", "air", "320600", 8_000),
    ("扬州泰州国际机场", "air", "321000", 9_000),
    ("盐城南洋国际机场", "air", "320900", 6_000),
    ("淮安涟水国际机场", "air", "320800", 5_000),
    ("连云港花果山国际机场", "air", "320700", 4_000),
    ("南京长途汽车客运站", "bus", "320100", 20_000),
    ("苏州汽车客运北站", "bus", "320500", 15_000),
    ("无锡汽车客运站", "bus", "320200", 10_000),
    ("徐州汽车总站", "bus", "320300", 10_000),
    ("常州客运中心", "bus", "320400", 8_000),
    ("南通汽车客运站", "bus", "320600", 7_000),
    ("连云港港客运站", "port", "320700", 3_000),
    ("南京港客运站", "port", "320100", 2_000),
)
HOSPITAL_LEVEL_WEIGHT = {"tertiary_a": 12.0, "tertiary": 6.0, "secondary_a": 3.0, "secondary": 2.0, "primary": 0.6}


def _scramble(index: np.ndarray, digits: int, multiplier: int = 6364136223) -> np.ndarray:
    """A bijection of 0..10**digits-1 (multiplier coprime to 10): ids that look random but never collide."""
    modulus = np.uint64(10**digits)
    return (index.astype(np.uint64) * np.uint64(multiplier) + np.uint64(12345)) % modulus


def number_ids(prefix: str, index: np.ndarray, digits: int) -> np.ndarray:
    """Identifiers like `E004823117095`: a prefix and a scrambled zero-padded number."""
    return np.char.add(prefix, zfill(_scramble(index, digits), digits))


def _customer_types(sections: np.ndarray) -> np.ndarray:
    """Meter customer type from the owner's industry section."""
    return np.where(
        sections == "A", "agricultural", np.where(np.isin(sections, ["B", "C", "D", "E"]), "industrial", "commercial")
    )


def build_meters(seed: int, scale: float, ents: Enterprises) -> Meters:
    """Meters of enterprises (1..n each, size-driven) and of households.

    Args:
        seed: world seed.
        scale: world scale.
        ents: the market entities.

    Returns:
        All meters ever installed; `in_service(day)` selects a day's fleet.
    """
    rng = rng_for(seed, "world", "meters")
    individual = ents.prefix == "92"
    count = np.where(
        individual,
        (rng.random(len(ents)) < 0.6).astype(int),
        1 + rng.poisson(np.clip(np.log10(ents.revenue_wan) - 2.3, 0.0, 3.0)),
    )
    owner = np.repeat(np.arange(len(ents)), count)
    ctype = _customer_types(ents.industry[owner].astype("U1"))
    intensity = np.array([ENERGY_INTENSITY[t] for t in ("industrial", "commercial", "agricultural")])
    kind_index = np.select([ctype == "industrial", ctype == "commercial"], [0, 1], 2)
    annual_kwh = ents.revenue_wan[owner] / count[owner] * intensity[kind_index] * rng.lognormal(0.0, 0.5, len(owner))
    annual_kwh *= np.where(ents.risk[owner] == "power_up_tax_down", 2.5, 1.0)
    keeps_consuming = ents.risk[owner] == "deregistered_but_consuming"
    removed = np.where(
        (ents.deregistered[owner] == NEVER) | keeps_consuming,
        NEVER,
        ents.deregistered[owner] + rng.integers(10, 90, len(owner)),
    )

    n_res = max(int(round(RESIDENTIAL_AT_ANCHOR * scale / RESIDENTIAL_ALIVE_SHARE)), 20)
    start, end = day_number(dt.date(1995, 1, 1)), day_number(dt.date(2031, 1, 1))
    res_installed = rng.integers(start, end, n_res)
    res_removed = res_installed + (rng.exponential(25.0, n_res) * 365.2425).astype(np.int64)
    res_removed = np.where(res_removed >= end, NEVER, res_removed)
    res_kw = rng.lognormal(np.log(0.35), 0.5, n_res)

    n_ent = len(owner)
    avg_kw = np.concatenate([annual_kwh / 8760.0, res_kw])
    rated = np.concatenate(
        [
            np.maximum(np.round(annual_kwh / 8760.0 * rng.uniform(2.5, 4.0, n_ent), -1), 10.0),
            np.array([4.0, 6.0, 8.0, 10.0])[rng.integers(0, 4, n_res)],
        ]
    )
    index = np.arange(n_ent + n_res)
    accounts = np.concatenate([number_ids("32", owner, 10), number_ids("32", np.arange(n_res) + len(ents) + 1, 10)])
    return Meters(
        meter_id=number_ids("E", index, 12),
        account_id=accounts,
        customer_type=np.concatenate([ctype, np.full(n_res, "residential")]),
        owner=np.concatenate([owner, np.full(n_res, -1)]),
        division=np.concatenate([ents.division[owner], draw_divisions(rng, n_res)]),
        industry=np.concatenate([ents.industry[owner], np.full(n_res, "")]),
        rated_kw=rated,
        avg_kw=avg_kw,
        installed=np.concatenate([ents.established[owner] + rng.integers(3, 60, n_ent), res_installed]),
        removed=np.concatenate([removed, res_removed]),
    )


def build_gantries(seed: int, scale: float) -> Gantries:
    """ETC gantries along the main Jiangsu highways, an up and a down gantry per site.

    Args:
        seed: world seed.
        scale: world scale (150 gantries at 1; fewer when smaller, up to 1200).

    Returns:
        The gantry register.
    """
    rng = rng_for(seed, "world", "gantries")
    sites = int(np.clip(round(75 * scale**0.3), 5, 600))
    weights = np.array([r[1] for r in ROADS])
    road_of_site = np.sort(rng.choice(len(ROADS), sites, p=weights / weights.sum()))
    by_city = counties_by_city()
    rows: dict[str, list] = {
        k: [] for k in ("gantry_id", "road_code", "km", "direction", "division", "lat", "lon", "w")
    }
    for r, (road, traffic, cities) in enumerate(ROADS):
        n = int((road_of_site == r).sum())
        km = np.sort(rng.choice(np.arange(5, 400, 7), n, replace=False)) + np.round(rng.random(n), 3)
        city = np.array(cities)[np.minimum((km / 400 * len(cities)).astype(int), len(cities) - 1)]
        for direction in ("up", "down"):
            rows["gantry_id"] += [
                f"{road[0]}{int(road[1:]):04d}32{int(k * 10):05d}{1 if direction == 'up' else 2}" for k in km
            ]
            rows["road_code"] += [road] * n
            rows["km"] += list(km)
            rows["direction"] += [direction] * n
            rows["division"] += [by_city[c][rng.integers(0, len(by_city[c]))] for c in city]
            rows["lat"] += [CITY_CENTRES[c][0] + rng.normal(0, 0.15) for c in city]
            rows["lon"] += [CITY_CENTRES[c][1] + rng.normal(0, 0.15) for c in city]
            rows["w"] += list(traffic * rng.lognormal(0.0, 0.4, n))
    w = np.array(rows["w"])
    return Gantries(
        gantry_id=np.array(rows["gantry_id"]),
        road_code=np.array(rows["road_code"]),
        km_marker=np.round(np.array(rows["km"]), 3),
        direction=np.array(rows["direction"]),
        division=np.array(rows["division"]),
        lat=np.round(np.array(rows["lat"]), 6),
        lon=np.round(np.array(rows["lon"]), 6),
        weight=w / w.sum(),
    )


def build_hubs(seed: int, scale: float) -> Hubs:
    """Transport hubs: the named rail stations, airports, bus stations and ports.

    Args:
        seed: world seed.
        scale: world scale (all 33 named hubs from scale 1; the busiest few when smaller).

    Returns:
        The hubs; `daily_passengers` is at full (not 1/1000) size, since flows are counts.
    """
    rng = rng_for(seed, "world", "hubs")
    n = int(np.clip(round(len(NAMED_HUBS) * min(1.0, scale) ** 0.25), 6, len(NAMED_HUBS)))
    chosen = sorted(NAMED_HUBS, key=lambda h: -h[3])[:n]
    by_city = counties_by_city()
    divisions = np.array([by_city[h[2]][0] for h in chosen])
    return Hubs(
        hub_id=np.array([f"HUB{d}{k:03d}" for k, d in enumerate(divisions)]),
        name=np.array([h[0] for h in chosen]),
        hub_type=np.array([h[1] for h in chosen]),
        division=divisions,
        daily_passengers=np.array([h[3] for h in chosen], dtype=float) * rng.lognormal(0, 0.05, n),
    )


def build_hospitals(seed: int, scale: float) -> Hospitals:
    """Hospitals: city tertiary hospitals, county hospitals and township health centres.

    Args:
        seed: world seed.
        scale: world scale (about 150 hospitals at 1; the biggest ones first when smaller).

    Returns:
        The hospital register.
    """
    rng = rng_for(seed, "world", "hospitals")
    cities, by_city = city_names(), counties_by_city()
    county_names = {c: v[0] for c, v in jiangsu_divisions().items()}
    entries: list[tuple[str, str, str]] = []
    for city, cname in cities.items():
        seat = by_city[city][0]
        entries += [
            (f"{cname}第一人民医院", "tertiary_a", seat),
            (f"{cname}中医院", "tertiary_a", seat),
            (f"{cname}妇幼保健院", "tertiary", seat),
        ]
        for county in by_city[city]:
            level = "secondary_a" if rng.random() < 0.6 else "secondary"
            entries.append((f"{cname.removesuffix('市')}{county_names[county]}人民医院", level, county))
            for town in range(3):
                entries.append((f"{county_names[county]}第{'一二三'[town]}社区卫生服务中心", "primary", county))
    weights = np.array([HOSPITAL_LEVEL_WEIGHT[e[1]] for e in entries]) * rng.lognormal(0, 0.3, len(entries))
    target = int(np.clip(round(150 * scale**0.3), 12, len(entries)))
    order = np.sort(np.argsort(-weights, kind="stable")[:target])
    divisions = np.array([entries[k][2] for k in order])
    w = weights[order]
    return Hospitals(
        code=np.array([f"{d}{int(s):06d}" for d, s in zip(divisions, _scramble(order, 6), strict=True)]),
        name=np.array([entries[k][0] for k in order]),
        level=np.array([entries[k][1] for k in order]),
        division=divisions,
        weight=w / w.sum(),
    )
