"""energy/meters (daily full snapshot, CSV) and energy/readings (15-minute parquet).

Readings are a function of (meter, day, slot): the meter's average load, the daily
curve of its customer type, a weekday/season factor and noise. Late data: a meter's
whole day can arrive 1-3 days late, inside a later delivery; a day sent with
estimated values (quality 1) is resent the next day with measured values, which
replace the estimates (same key). Missing intervals (quality 2) carry kwh 0.0.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.generate import defects as d
from pipelines.generate.calendar import SECONDS_PER_DAY, date_strings, day_number, month_index
from pipelines.generate.feeds.base import CHUNK_ROWS, Chunk, DayContext, Feed, FeedSpec
from pipelines.generate.loadcurves import LOAD_CURVES, day_factor
from pipelines.generate.rand import hash_u64, hash_uniform
from pipelines.generate.registers import number_ids
from pipelines.generate.text import fixed
from pipelines.generate.world import RISK_TREND_START, World
from pipelines.ids import make_usccs

SLOTS = 96
LATE_SHARES = (0.985, 0.993, 0.997)  # cumulative: on time, 1, 2, 3 days late
ESTIMATED_SHARE = 0.004  # meter-days first sent estimated, resent measured the next day
MISSING_SHARE = 0.0005  # intervals with no measurement (quality 2, kwh 0.0)
REMOVED_KEPT_DAYS = 365  # removed meters stay in the snapshot this long
CUSTOMER_TYPES = ("residential", "commercial", "industrial", "agricultural")

METER_COLUMNS = (
    "meter_id",
    "account_id",
    "customer_type",
    "uscc",
    "division_code",
    "industry_code",
    "rated_kw",
    "installed_on",
    "status",
)
READINGS_SCHEMA = pa.schema(
    [
        ("meter_id", pa.string()),
        ("reading_ts", pa.timestamp("us", tz="UTC")),
        ("kwh", pa.float64()),
        ("quality", pa.int32()),
    ]
)


def _fresh_meter_ids(columns: d.Columns, rows: np.ndarray, rng: np.random.Generator) -> None:
    """New meter ids for cloned rows, outside the world's id range (ids are a bijection)."""
    ids = number_ids("E", 10**11 + rng.integers(0, 10**10, len(rows)), 12)
    for r, meter_id in zip(rows, ids, strict=True):
        d.set_cell(columns, "meter_id", int(r), str(meter_id))


def _meter_bad_uscc() -> d.Recipe:
    """invalid_uscc on a meter row; a household row first becomes a shop's meter row."""
    inner = d.bad_uscc("uscc")
    assert inner.cell is not None
    cell = inner.cell

    def apply(columns: d.Columns, row: int, spoil: d.Spoil) -> str:
        if not columns["uscc"][row]:
            division = np.array([str(columns["division_code"][row])])
            d.set_cell(columns, "uscc", row, str(make_usccs(spoil.rng, division, np.array(["92"]))[0]))
            d.set_cell(columns, "customer_type", row, "commercial")
            d.set_cell(columns, "industry_code", row, "G52")
        return cell(columns, row, spoil)

    return d.Recipe("invalid_uscc", cell=apply)


METERS_SPEC = FeedSpec(
    sector="energy",
    feed="meters",
    fmt="csv",
    columns=METER_COLUMNS,
    ext="csv",
    producer="国网江苏省电力有限公司",
    clone_key=_fresh_meter_ids,
    drift_column=("meter_model", "DTZY1286"),
    recipes={
        "missing_required": (d.blank("meter_id"), d.blank("customer_type")),
        "invalid_uscc": (_meter_bad_uscc(),),
        "invalid_division": (d.bad_division("division_code"),),
        "out_of_range": (d.negative("rated_kw", 1),),
        "future_date": (d.future("installed_on"),),
        "unparseable_row": (d.wrong_column_count(","), d.not_a_number("rated_kw")),
    },
)


def make_meters(world: World, ctx: DayContext) -> Iterator[Chunk]:
    """The meter register as it stands at the end of the day (in service and recently removed)."""
    m, e = world.meters, world.enterprises
    day = day_number(ctx.day)
    sel = np.flatnonzero((m.installed <= day) & (m.removed > day - REMOVED_KEPT_DAYS))
    owner = m.owner[sel]
    has_owner = owner >= 0
    uscc = np.where(has_owner, e.uscc[np.maximum(owner, 0)], "")
    status = np.where(m.removed[sel] <= day, "removed", "in_service")
    ctx.count("in_service", int((status == "in_service").sum()))
    ctx.count("installed_today", int((m.installed[sel] == day).sum()))
    ctx.count("removed_today", int((m.removed[sel] == day).sum()))
    for begin in range(0, max(len(sel), 1), CHUNK_ROWS):  # one chunk at a time: the register can be large
        part = slice(begin, begin + CHUNK_ROWS)
        rows = sel[part]
        yield Chunk(
            columns={
                "meter_id": m.meter_id[rows],
                "account_id": m.account_id[rows],
                "customer_type": m.customer_type[rows],
                "uscc": uscc[part],
                "division_code": m.division[rows],
                "industry_code": m.industry[rows],
                "rated_kw": fixed(m.rated_kw[rows], 1),
                "installed_on": date_strings(m.installed[rows]),
                "status": status[part],
            }
        )


# --- readings -----------------------------------------------------------------------------


def _negative_kwh(table: pa.Table, rows: np.ndarray, spoil: d.Spoil) -> tuple[pa.Table, str]:
    kwh = table.column("kwh").to_numpy().copy()
    kwh[rows] = -np.abs(kwh[rows]) - 0.01
    return table.set_column(2, "kwh", pa.array(kwh)), "kwh is negative"


def _null_meter(table: pa.Table, rows: np.ndarray, spoil: d.Spoil) -> tuple[pa.Table, str]:
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[rows] = True
    ids = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), table.column("meter_id"))
    return table.set_column(0, "meter_id", ids), "meter_id is null"


def _future_ts(table: pa.Table, rows: np.ndarray, spoil: d.Spoil) -> tuple[pa.Table, str]:
    ts = table.column("reading_ts").cast(pa.int64()).to_numpy().copy()
    shift = spoil.rng.integers(d.FUTURE_MIN_DAYS, 1500, len(rows)) * SECONDS_PER_DAY * 1_000_000
    ts[rows] += shift
    return table.set_column(
        1, "reading_ts", pa.array(ts).cast(READINGS_SCHEMA.field("reading_ts").type)
    ), "reading_ts is in the future"


READINGS_SPEC = FeedSpec(
    sector="energy",
    feed="readings",
    fmt="parquet",
    columns=tuple(READINGS_SCHEMA.names),
    ext="parquet",
    producer="国网江苏省电力有限公司用电信息采集系统",
    schema=READINGS_SCHEMA,
    drift_column=("phase", "A"),
    recipes={
        "missing_required": (d.Recipe("missing_required", table=_null_meter),),
        "out_of_range": (d.Recipe("out_of_range", table=_negative_kwh),),
        "future_date": (d.Recipe("future_date", table=_future_ts),),
    },
)


@lru_cache(maxsize=2)
def _meter_ids(world: World) -> pa.Array:
    """All meter ids as one arrow array (taken from by index when building tables)."""
    return pa.array(world.meters.meter_id, pa.string())


def _lag(meters: np.ndarray, day: int, seed: int) -> np.ndarray:
    """Days late (0-3) of each meter's readings of `day`."""
    u = hash_uniform(f"{seed}:rd.lag", meters, day)
    return np.searchsorted(np.array(LATE_SHARES), u, side="right")


def _estimated(meters: np.ndarray, day: int, seed: int) -> np.ndarray:
    """Meter-days first delivered with estimated values (only when on time)."""
    return hash_uniform(f"{seed}:rd.est", meters, day) < ESTIMATED_SHARE


def _risk_growth(world: World, meters: np.ndarray, day: int) -> np.ndarray:
    """Load multiplier of planted power-up/tax-down entities: +6% a month, at most x2."""
    owner = world.meters.owner[meters]
    planted = (owner >= 0) & (world.enterprises.risk[np.maximum(owner, 0)] == "power_up_tax_down")
    months = int(month_index(np.array([day]))[0] - month_index(np.array([day_number(RISK_TREND_START)]))[0])
    return np.where(planted, min(2.0, 1.06 ** max(months, 0)), 1.0)


def _day_readings(world: World, meters: np.ndarray, day: int, seed: int, estimated: np.ndarray) -> pa.Table:
    """96 readings for each meter on `day` (measured, or estimated where `estimated`)."""
    m = world.meters
    n = len(meters)
    level = m.avg_kw[meters] * _risk_growth(world, meters, day)
    curve = np.empty((n, SLOTS))
    for ctype in CUSTOMER_TYPES:
        rows = m.customer_type[meters] == ctype
        curve[rows] = LOAD_CURVES[ctype] * day_factor(ctype, day)
    slots = np.arange(SLOTS)
    noise = 0.7 + 0.6 * hash_uniform(f"{seed}:rd.noise", meters[:, None], day, slots[None, :])
    kwh = level[:, None] * curve * 0.25
    measured = kwh * noise
    missing = (hash_u64(f"{seed}:rd.miss", meters[:, None], day, slots[None, :]) >> np.uint64(11)).astype(
        float
    ) < MISSING_SHARE * 2.0**53
    quality = np.where(missing, 2, np.where(estimated[:, None], 1, 0)).astype(np.int32)
    values = np.where(missing, 0.0, np.where(estimated[:, None], kwh, measured))
    # interval end in UTC: local midnight + (slot+1) x 15 min - 8 h
    ts = ((day * SECONDS_PER_DAY - 8 * 3600) + (slots + 1) * 900) * 1_000_000
    return pa.table(
        {
            "meter_id": _meter_ids(world).take(pa.array(np.repeat(meters, SLOTS))),
            "reading_ts": pa.array(np.tile(ts, n)).cast(READINGS_SCHEMA.field("reading_ts").type),
            "kwh": pa.array(np.round(values, 4).ravel()),
            "quality": pa.array(quality.ravel()),
        },
        schema=READINGS_SCHEMA,
    )


def make_readings(world: World, ctx: DayContext) -> Iterator[Chunk]:
    """Today's readings plus late days and resends, in parts of about CHUNK_ROWS rows."""
    m = world.meters
    today = day_number(ctx.day)
    per_part = max(1, CHUNK_ROWS // SLOTS // 102 * 100)  # leave ~2% room for late and resent days
    window = today - len(LATE_SHARES)
    fleet = np.flatnonzero((m.installed <= today) & (m.removed > window))  # in service on some day of the window
    for begin in range(0, len(fleet), per_part):
        block = fleet[begin : begin + per_part]
        tables = []
        for back in range(len(LATE_SHARES) + 1):
            day = today - back
            serving = block[m.in_service(day)[block]]
            lag = _lag(serving, day, ctx.seed)
            due = serving[lag == back]
            if len(due):
                est = _estimated(due, day, ctx.seed) & (back == 0)
                tables.append(_day_readings(world, due, day, ctx.seed, est))
                ctx.count("late_rows" if back else "on_time_rows", len(due) * SLOTS)
            if back == 1:  # yesterday's estimated meter-days come again, measured
                resend = serving[(lag == 0) & _estimated(serving, day, ctx.seed)]
                if len(resend):
                    tables.append(_day_readings(world, resend, day, ctx.seed, np.zeros(len(resend), bool)))
                    ctx.count("resent_rows", len(resend) * SLOTS)
        if tables:
            yield Chunk(table=pa.concat_tables(tables))


FEEDS = (Feed(METERS_SPEC, make_meters), Feed(READINGS_SPEC, make_readings))
