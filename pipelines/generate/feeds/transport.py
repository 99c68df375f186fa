"""transport/gantries (register snapshot, CSV), transport/etc_passages (pipe-delimited)
and transport/hub_flow (JSON Lines, 5-minute windows).

Passages come from vehicle trips: a vehicle enters a road, passes 1-6 consecutive
gantries in one direction at highway speed, and pays a fee per segment by vehicle
class. Departure times follow the morning and evening rush hours (trucks flatter).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from pipelines.generate import defects as d
from pipelines.generate.calendar import SECONDS_PER_DAY, day_number, local_datetime_strings
from pipelines.generate.feeds.base import Chunk, DayContext, Feed, FeedSpec, split_columns
from pipelines.generate.loadcurves import TRAFFIC_288, bumps, traffic_day_factor
from pipelines.generate.rand import rng_for
from pipelines.generate.registers import number_ids
from pipelines.generate.text import fixed, integers, money, to_cents
from pipelines.generate.world import World
from pipelines.ids import make_plates

PASSAGES_PER_DAY = 5_000  # at scale 1
# vehicle class -> (share, fee CNY per km)
VEHICLE_CLASSES = {
    1: (0.78, 0.45),
    2: (0.03, 0.90),
    3: (0.01, 1.35),
    4: (0.01, 1.60),
    11: (0.03, 0.50),
    12: (0.03, 0.90),
    13: (0.02, 1.20),
    14: (0.02, 1.40),
    15: (0.02, 1.60),
    16: (0.04, 1.80),
    21: (0.002, 0.9),
    22: (0.002, 1.2),
    23: (0.002, 1.4),
    24: (0.002, 1.6),
    25: (0.001, 1.8),
    26: (0.001, 2.0),
}


def _fresh_gantry_ids(columns: d.Columns, rows: np.ndarray, rng: np.random.Generator) -> None:
    """Gantry ids no real gantry has (province part 99)."""
    for r in rows:
        d.set_cell(columns, "gantry_id", int(r), f"G9999{int(rng.integers(10**7)):07d}")


GANTRIES_SPEC = FeedSpec(
    sector="transport",
    feed="gantries",
    fmt="csv",
    columns=("gantry_id", "road_code", "km_marker", "direction", "division_code", "lat", "lon"),
    ext="csv",
    producer="江苏省交通运输厅",
    clone_key=_fresh_gantry_ids,
    drift_column=("lanes", "4"),
    recipes={
        "missing_required": (d.blank("gantry_id"), d.blank("road_code")),
        "invalid_division": (d.bad_division("division_code"),),
        "out_of_range": (d.negative("km_marker", 3),),
        "unparseable_row": (d.wrong_column_count(","), d.not_a_number("lat")),
    },
)


def make_gantries(world: World, ctx: DayContext) -> Iterator[Chunk]:
    """The gantry register (the same every day)."""
    g = world.gantries
    yield from split_columns(
        {
            "gantry_id": g.gantry_id,
            "road_code": g.road_code,
            "km_marker": fixed(g.km_marker, 3),
            "direction": g.direction,
            "division_code": g.division,
            "lat": fixed(g.lat, 6),
            "lon": fixed(g.lon, 6),
        }
    )


# --- passages -------------------------------------------------------------------------------

PASSAGE_COLUMNS = ("passage_id", "gantry_id", "plate_no", "plate_color", "vehicle_class", "pass_time", "fee_cny")
PASSAGES_SPEC = FeedSpec(
    sector="transport",
    feed="etc_passages",
    fmt="csv",
    columns=PASSAGE_COLUMNS,
    delimiter="|",
    ext="txt",
    producer="江苏省高速公路联网收费中心",
    drift_column=("axle_count", "2"),
    recipes={
        "missing_required": (d.blank("passage_id"), d.blank("gantry_id")),
        "out_of_range": (d.negative("fee_cny"),),
        "future_date": (d.future("pass_time", "plain"),),
        "unparseable_row": (d.wrong_column_count("|"), d.not_a_number("fee_cny")),
    },
)


def _road_groups(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gantries grouped by (road, direction) in driving order: flat order, offsets, sizes, group weights."""
    g = world.gantries
    orders, sizes, weights = [], [], []
    for road in dict.fromkeys(g.road_code):
        for direction in ("up", "down"):
            idx = np.flatnonzero((g.road_code == road) & (g.direction == direction))
            idx = idx[np.argsort(g.km_marker[idx])]
            orders.append(idx if direction == "up" else idx[::-1])
            sizes.append(len(idx))
            weights.append(g.weight[idx].sum())
    sizes_a = np.array(sizes)
    return np.concatenate(orders), np.cumsum(sizes_a) - sizes_a, sizes_a, np.array(weights) / sum(weights)


def _departures(rng: np.random.Generator, trucks: np.ndarray) -> np.ndarray:
    """Second of day at which each trip starts: rush-hour shaped, flatter for trucks."""
    slot = rng.choice(288, len(trucks), p=TRAFFIC_288 / TRAFFIC_288.sum())
    flat = rng.integers(0, 288, len(trucks))
    slot = np.where(trucks & (rng.random(len(trucks)) < 0.5), flat, slot)
    return slot * 300 + rng.integers(0, 300, len(trucks))


def make_passages(world: World, ctx: DayContext) -> Iterator[Chunk]:
    """The day's ETC gantry passages, sorted by time."""
    rng = rng_for(ctx.seed, "transport.passages", ctx.day.isoformat())
    g = world.gantries
    order, offsets, sizes, weights = _road_groups(world)
    n_trips = max(
        1, int(PASSAGES_PER_DAY * world.scale * traffic_day_factor(ctx.day) / 2.13)
    )  # 2.13 passages per trip (measured)
    classes = np.array(list(VEHICLE_CLASSES))
    shares = np.array([v[0] for v in VEHICLE_CLASSES.values()])
    vclass = classes[rng.choice(len(classes), n_trips, p=shares / shares.sum())]
    trucks = vclass >= 11
    group = rng.choice(len(sizes), n_trips, p=weights)
    start = (rng.random(n_trips) * sizes[group]).astype(int)
    length = rng.geometric(0.4, n_trips)  # gantries passed per trip, mean 2.5
    trip = np.repeat(np.arange(n_trips), length)
    step = np.arange(len(trip)) - np.repeat(np.cumsum(length) - length, length)
    pos = start[trip] + step
    keep = pos < sizes[group[trip]]
    trip, step, pos = trip[keep], step[keep], pos[keep]
    gantry = order[offsets[group[trip]] + pos]
    previous = order[offsets[group[trip]] + np.maximum(pos - 1, 0)]
    gap_km = np.where(step == 0, rng.uniform(5, 20, len(trip)), np.abs(g.km_marker[gantry] - g.km_marker[previous]))
    speed = np.where(trucks[trip], rng.uniform(70, 85, len(trip)), rng.uniform(90, 115, len(trip)))
    travel = gap_km / speed * 3600
    cumulative = np.cumsum(travel)
    trip_first = np.searchsorted(trip, trip, side="left")
    elapsed = cumulative - cumulative[trip_first] + travel[trip_first]
    second = (_departures(rng, trucks)[trip] + elapsed).astype(np.int64)
    keep = second < SECONDS_PER_DAY
    trip, gantry, gap_km, second = trip[keep], gantry[keep], gap_km[keep], second[keep]
    by_time = np.argsort(second, kind="stable")
    trip, gantry, gap_km, second = trip[by_time], gantry[by_time], gap_km[by_time], second[by_time]
    plates = make_plates(rng, n_trips)
    rate = np.array([VEHICLE_CLASSES[int(c)][1] for c in vclass])
    green = np.char.str_len(plates) == 8
    color = np.where(
        vclass >= 21, "white", np.where(trucks | np.isin(vclass, [3, 4]), "yellow", np.where(green, "green", "blue"))
    )
    fee = to_cents(gap_km * rate[trip] * 0.95)
    n = len(trip)
    day = day_number(ctx.day)
    ctx.count("trips", n_trips)
    yield from split_columns(
        {
            "passage_id": number_ids("P" + ctx.day.strftime("%Y%m%d"), np.arange(n), 9),
            "gantry_id": g.gantry_id[gantry],
            "plate_no": plates[trip],
            "plate_color": color[trip],
            "vehicle_class": integers(vclass[trip]),
            "pass_time": local_datetime_strings(day * SECONDS_PER_DAY + second, sep=" ", offset=False),
            "fee_cny": money(fee),
        }
    )


# --- hub flow -------------------------------------------------------------------------------

HUB_COLUMNS = ("hub_id", "hub_name", "hub_type", "division_code", "window_start", "window_minutes", "entries", "exits")
HUB_SPEC = FeedSpec(
    sector="transport",
    feed="hub_flow",
    fmt="jsonl",
    columns=HUB_COLUMNS,
    ext="jsonl",
    numeric=frozenset({"window_minutes", "entries", "exits"}),
    producer="江苏省综合交通运行监测中心",
    drift_column=("sensor_vendor", "hik"),
    recipes={
        "missing_required": (d.blank("hub_id"),),
        "invalid_division": (d.bad_division("division_code"),),
        "out_of_range": (d.negative("entries", 0), d.negative("exits", 0)),
        "future_date": (d.future("window_start", "iso"),),
        "unparseable_row": (d.broken_json(), d.not_a_number("entries")),
    },
)
# Entries and exits by 5-minute slot and hub type: (entries curve, exits curve).
HUB_PROFILES = {
    "rail": (
        bumps(288, 0.05, ((7.5, 1.2, 1.0), (12.0, 2.0, 0.6), (17.5, 1.5, 1.1))),
        bumps(288, 0.05, ((9.0, 1.2, 0.9), (13.0, 2.0, 0.6), (19.5, 1.8, 1.1))),
    ),
    "air": (
        bumps(288, 0.02, ((8.0, 2.5, 1.0), (14.0, 3.0, 1.0), (19.0, 2.5, 0.9))),
        bumps(288, 0.02, ((10.0, 2.5, 0.9), (16.0, 3.0, 1.0), (22.0, 2.0, 0.9))),
    ),
    "bus": (
        bumps(288, 0.02, ((7.0, 1.5, 1.2), (13.0, 2.5, 0.7))),
        bumps(288, 0.02, ((10.0, 2.0, 1.0), (16.0, 2.5, 0.9))),
    ),
    "port": (
        bumps(288, 0.01, ((8.5, 1.5, 1.0), (14.5, 1.5, 0.8))),
        bumps(288, 0.01, ((11.0, 1.5, 0.9), (17.0, 1.5, 0.9))),
    ),
}


def make_hub_flow(world: World, ctx: DayContext) -> Iterator[Chunk]:
    """Entries and exits per hub and 5-minute window of the day."""
    rng = rng_for(ctx.seed, "transport.hub_flow", ctx.day.isoformat())
    h = world.hubs
    n = len(h.hub_id)
    factor = traffic_day_factor(ctx.day)
    entries_curve = np.stack([HUB_PROFILES[t][0] for t in h.hub_type])
    exits_curve = np.stack([HUB_PROFILES[t][1] for t in h.hub_type])
    mean = (h.daily_passengers * factor / 2 / 288)[:, None]
    entries = rng.poisson(mean * entries_curve)
    exits = rng.poisson(mean * exits_curve)
    hub = np.repeat(np.arange(n), 288)
    slot = np.tile(np.arange(288), n)
    start = day_number(ctx.day) * SECONDS_PER_DAY + slot * 300
    yield from split_columns(
        {
            "hub_id": h.hub_id[hub],
            "hub_name": h.name[hub],
            "hub_type": h.hub_type[hub],
            "division_code": h.division[hub],
            "window_start": local_datetime_strings(start),
            "window_minutes": np.full(len(hub), "5"),
            "entries": integers(entries.ravel()),
            "exits": integers(exits.ravel()),
        }
    )


FEEDS = (Feed(GANTRIES_SPEC, make_gantries), Feed(PASSAGES_SPEC, make_passages), Feed(HUB_SPEC, make_hub_flow))
