"""credit/legal_entity (register changes, JSON Lines) and credit/sanctions (CSV).

legal_entity: the first day of a run delivers a full load of the register as of that
day (every entity ever registered, cancelled ones with op D; gzip), later days the day's changes: new registrations (I), changes of capital,
legal representative or name, and licence revocations (U), deregistrations (D).
An entity's state on any day is computed in closed form from the world (periodic
changes every `change_period` days), so days can be generated in any order.

sanctions: penalties and dishonesty records published each day, and status changes
of earlier records (credit repair, revocation). The first day of a run also delivers
every record of the last three years as it stands that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np

from pipelines.generate import defects as d
from pipelines.generate.calendar import NEVER, SECONDS_PER_DAY, date_strings, day_number, local_datetime_strings
from pipelines.generate.feeds.base import Chunk, DayContext, Feed, FeedSpec, split_columns
from pipelines.generate.names import brands
from pipelines.generate.people import make_people
from pipelines.generate.rand import hash_uniform, rng_for
from pipelines.generate.text import fixed, money, to_cents, zfill
from pipelines.generate.world import ANCHOR, World, city_names
from pipelines.ids import make_usccs

FIRST_CHANGE_AFTER = 30  # days after registration before the first change
CHANGE_CYCLE = ("capital", "rep", "capital", "name", "capital", "rep")  # kind of the j-th change, cyclic

LEGAL_COLUMNS = (
    "op",
    "uscc",
    "name",
    "legal_rep_name",
    "legal_rep_id_no",
    "reg_capital_wan",
    "established_on",
    "industry_code",
    "division_code",
    "status",
    "updated_at",
)


def _fresh_usccs(columns: d.Columns, rows: np.ndarray, rng: np.random.Generator) -> None:
    """Give cloned register rows new valid USCCs (same division), unknown to other feeds."""
    div = np.array([str(columns["division_code"][r]) for r in rows])
    codes = make_usccs(rng, div, np.full(len(rows), "91"))
    for r, code in zip(rows, codes, strict=True):
        d.set_cell(columns, "uscc", int(r), str(code))


LEGAL_SPEC = FeedSpec(
    sector="credit",
    feed="legal_entity",
    fmt="jsonl",
    columns=LEGAL_COLUMNS,
    ext="jsonl",
    numeric=frozenset({"reg_capital_wan"}),
    producer="江苏省市场监督管理局",
    clone_key=_fresh_usccs,
    drift_column=("unified_address", "江苏省"),
    recipes={
        "missing_required": (d.blank("uscc"), d.blank("name")),
        "invalid_uscc": (d.bad_uscc("uscc"),),
        "invalid_id_no": (d.bad_id_no("legal_rep_id_no"),),
        "invalid_division": (d.bad_division("division_code"),),
        "out_of_range": (d.negative("reg_capital_wan", 1),),
        "future_date": (d.future("established_on"),),
        "unparseable_row": (d.broken_json(), d.not_a_number("reg_capital_wan")),
    },
)


def _change_counts(world: World, ents: np.ndarray, day: int) -> np.ndarray:
    """Number of periodic changes of each entity on or before `day`."""
    e = world.enterprises
    last_day = np.minimum(day, np.minimum(e.revoked[ents], e.deregistered[ents]) - 1)
    first = e.established[ents] + FIRST_CHANGE_AFTER
    p, off = e.change_period[ents], e.change_offset[ents]
    count = (last_day + off) // p - (first + off) // p
    return np.maximum(count, 0)


def _versions(counts: np.ndarray) -> dict[str, np.ndarray]:
    """How many changes of each kind the first `counts` changes contain."""
    cycle = np.array(CHANGE_CYCLE)
    q, r = counts // len(cycle), counts % len(cycle)
    out = {}
    for kind in set(CHANGE_CYCLE):
        per_cycle = int((cycle == kind).sum())
        prefix = np.concatenate([[0], np.cumsum(cycle == kind)])
        out[kind] = q * per_cycle + prefix[r]
    return out


def _last_change_day(world: World, ents: np.ndarray, day: int, counts: np.ndarray) -> np.ndarray:
    """Day of the latest periodic change on or before `day` (registration day when none)."""
    e = world.enterprises
    last_day = np.minimum(day, np.minimum(e.revoked[ents], e.deregistered[ents]) - 1)
    p, off = e.change_period[ents], e.change_offset[ents]
    last = last_day - (last_day + off) % p
    return np.where(counts > 0, last, e.established[ents])


def entity_rows(world: World, ents: np.ndarray, day: int, seed: int, ops: np.ndarray) -> dict[str, np.ndarray]:
    """The register rows of entities as they stand at the end of `day`.

    Args:
        world: the world.
        ents: entity indexes.
        day: day number.
        seed: run seed (people and trade names depend on it).
        ops: the op column (I, U or D) per row.

    Returns:
        Text columns of the legal_entity feed.
    """
    e = world.enterprises
    counts = _change_counts(world, ents, day)
    versions = _versions(counts)
    rep = make_people(
        f"{seed}:legal_rep",
        (ents, versions["rep"]),
        dt.date(1955, 1, 1),
        dt.date(2000, 12, 31),
        male_share=0.7,
        home=e.division[ents],
    )
    renamed = versions["name"] > 0
    new_brand = brands(
        hash_uniform(f"{seed}:brand1", ents, versions["name"]), hash_uniform(f"{seed}:brand2", ents, versions["name"])
    )
    name = np.char.add(np.char.add(e.name_prefix[ents], np.where(renamed, new_brand, e.brand[ents])), e.name_tail[ents])
    raise_u = hash_uniform(f"{seed}:capital", ents, versions["capital"])
    capital = e.reg_capital_wan[ents] * np.where(versions["capital"] > 0, 1.0 + raise_u, 1.0)
    status = np.where(e.deregistered[ents] <= day, "cancelled", np.where(e.revoked[ents] <= day, "revoked", "active"))
    event_day = np.maximum(
        _last_change_day(world, ents, day, counts), np.where(e.revoked[ents] <= day, e.revoked[ents], 0)
    )
    event_day = np.where(e.deregistered[ents] <= day, e.deregistered[ents], event_day)
    second = 8 * 3600 + 1800 + (hash_uniform(f"{seed}:le.time", ents, event_day) * 9 * 3600).astype(np.int64)
    return {
        "op": ops,
        "uscc": e.uscc[ents],
        "name": name,
        "legal_rep_name": rep.name,
        "legal_rep_id_no": rep.id_no,
        "reg_capital_wan": fixed(capital, 1),
        "established_on": date_strings(e.established[ents]),
        "industry_code": e.industry[ents],
        "division_code": e.division[ents],
        "status": status,
        "updated_at": local_datetime_strings(event_day * SECONDS_PER_DAY + second),
    }


def _changes_on(world: World, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Entities with a register event on `day` and its op (D beats U beats I)."""
    e = world.enterprises
    all_ents = np.arange(len(e))
    new = e.established == day
    gone = e.deregistered == day
    periodic = _change_counts(world, all_ents, day) > _change_counts(world, all_ents, day - 1)
    changed = periodic | (e.revoked == day)
    op = np.where(gone, "D", np.where(changed, "U", "I"))
    sel = new | gone | changed
    return all_ents[sel], op[sel]


def make_legal_entity(world: World, ctx: DayContext) -> Iterator[Chunk]:
    """Full load on the run's first day, the day's changes afterwards."""
    e = world.enterprises
    day = day_number(ctx.day)
    if ctx.day == ctx.start:
        ents = np.flatnonzero(e.established <= day)  # the whole register, cancelled entities included
        ops = np.where(e.deregistered[ents] <= day, "D", "I")
        ctx.count("full_load_rows", len(ents))
        gzip = True
    else:
        ents, ops = _changes_on(world, day)
        for op in ("I", "U", "D"):
            ctx.count(f"changes_{op}", int((ops == op).sum()))
        gzip = False
    for chunk in split_columns(entity_rows(world, ents, day, ctx.seed, ops)):
        chunk.gzip = gzip
        yield chunk


# --- sanctions ----------------------------------------------------------------------------

SANCTION_COLUMNS = (
    "record_id",
    "uscc",
    "category",
    "issuing_dept",
    "decided_on",
    "amount_cny",
    "valid_until",
    "status",
    "updated_at",
)
CATEGORIES = (
    "admin_penalty",
    "dishonest_judgment_debtor",
    "major_tax_violation",
    "safety_blacklist",
    "environmental_violation",
)
CATEGORY_SHARE = np.array([0.70, 0.10, 0.05, 0.05, 0.10])
DEPARTMENTS = ("市场监督管理局", "中级人民法院", "税务局", "应急管理局", "生态环境局")
VALID_YEARS = np.array([1, 3, 3, 3, 2])
PER_DAY = 20.0  # sanctions decided per day at scale 1
LOOKBACK_DAYS = 3 * 365  # the full load and status changes reach this far back
PLANTED_PREFIX = "SX9"


def _sanction_spec() -> FeedSpec:
    """The sanctions contract (CSV, UTF-8)."""
    return FeedSpec(
        sector="credit",
        feed="sanctions",
        fmt="csv",
        columns=SANCTION_COLUMNS,
        ext="csv",
        producer="江苏省公共信用信息中心",
        drift_column=("source_system", "xyjs"),
        recipes={
            "missing_required": (d.blank("uscc"), d.blank("record_id")),
            "invalid_uscc": (d.bad_uscc("uscc"),),
            "out_of_range": (d.negative("amount_cny"),),
            "future_date": (d.future("decided_on"),),
            "unparseable_row": (d.wrong_column_count(","), d.not_a_number("amount_cny")),
        },
    )


SANCTIONS_SPEC = _sanction_spec()


def _records(world: World, seed: int, first: int, last: int) -> dict[str, np.ndarray]:
    """All sanction records decided on days first..last (inclusive), with their life events."""
    days = np.arange(first, last + 1)
    counts = np.array([rng_for(seed, "sanctions.count", int(x)).poisson(PER_DAY * world.scale) for x in days])
    decided = np.repeat(days, counts)
    k = np.arange(len(decided)) - np.repeat(np.cumsum(counts) - counts, counts)
    e = world.enterprises
    ent = np.full(len(decided), -1)
    for attempt in range(8):  # pick an entity alive on the decision day
        cand = (hash_uniform(f"{seed}:sx.ent{attempt}", decided, k) * len(e)).astype(np.int64)
        ok = (ent < 0) & (e.established[cand] < decided) & (e.deregistered[cand] > decided)
        ent = np.where(ok, cand, ent)
    keep = ent >= 0
    decided, k, ent = decided[keep], k[keep], ent[keep]
    u = hash_uniform(f"{seed}:sx.cat", decided, k)
    category = np.minimum(np.searchsorted(np.cumsum(CATEGORY_SHARE), u), len(CATEGORIES) - 1)
    published = decided + 1 + (hash_uniform(f"{seed}:sx.pub", decided, k) * 10).astype(np.int64)
    repair_u = hash_uniform(f"{seed}:sx.repair", decided, k)
    repaired = np.where(repair_u < 0.35, published + 90 + (repair_u / 0.35 * 600).astype(np.int64), NEVER)
    revoke_u = hash_uniform(f"{seed}:sx.revoke", decided, k)
    revoked = np.where(revoke_u < 0.02, published + 10 + (revoke_u / 0.02 * 110).astype(np.int64), NEVER)
    repaired = np.where(revoked < repaired, NEVER, repaired)
    record_id = np.char.add(np.char.add("SX", date_strings(decided)), zfill(k, 5))
    record_id = np.char.replace(record_id, "-", "")
    return {
        "record_id": record_id,
        "ent": ent,
        "category": category,
        "decided": decided,
        "published": published,
        "repaired": repaired,
        "revoked": revoked,
        "amount_u": hash_uniform(f"{seed}:sx.amount", decided, k),
    }


def _planted_records(world: World, seed: int) -> dict[str, np.ndarray]:
    """Dishonesty records of the planted 'dishonest_but_active' entities (never repaired)."""
    e = world.enterprises
    ent = np.flatnonzero(e.risk == "dishonest_but_active")
    anchor = day_number(ANCHOR)
    decided = anchor - 30 - (hash_uniform(f"{seed}:sx.planted", ent) * 300).astype(np.int64)
    n = len(ent)
    return {
        "record_id": np.char.add(
            np.char.add(PLANTED_PREFIX, np.char.replace(date_strings(decided), "-", "")), zfill(np.arange(n), 4)
        ),
        "ent": ent,
        "category": np.full(n, 1),
        "decided": decided,
        "published": decided + 3,
        "repaired": np.full(n, NEVER),
        "revoked": np.full(n, NEVER),
        "amount_u": np.zeros(n),
    }


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def _subset(records: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask] for k, v in records.items()}


def sanction_rows(world: World, rec: dict[str, np.ndarray], day: int, seed: int) -> dict[str, np.ndarray]:
    """Text rows of sanction records as they stand at the end of `day`."""
    e = world.enterprises
    cat = rec["category"]
    monetary = np.isin(cat, [0, 2, 4])
    scale = np.select([cat == 0, cat == 2, cat == 4], [5_000.0, 200_000.0, 50_000.0], 0.0)
    amount = np.where(monetary, money(to_cents(np.round(scale * np.exp(2.0 * rec["amount_u"]) / 100) * 100)), "")
    status = np.where(rec["revoked"] <= day, "revoked", np.where(rec["repaired"] <= day, "repaired", "active"))
    event = np.where(
        rec["revoked"] <= day, rec["revoked"], np.where(rec["repaired"] <= day, rec["repaired"], rec["published"])
    )
    second = 9 * 3600 + (hash_uniform(f"{seed}:sx.time", rec["decided"], event) * 8 * 3600).astype(np.int64)
    cities = city_names()
    city = np.array([cities[x[:4] + "00"] for x in e.division[rec["ent"]]]) if len(rec["ent"]) else np.array([], str)
    valid_until = rec["decided"] + (VALID_YEARS[cat] * 365.25).astype(np.int64)
    return {
        "record_id": rec["record_id"],
        "uscc": e.uscc[rec["ent"]],
        "category": np.array(CATEGORIES)[cat],
        "issuing_dept": np.char.add(city, np.array(DEPARTMENTS)[cat]),
        "decided_on": date_strings(rec["decided"]),
        "amount_cny": amount,
        "valid_until": date_strings(valid_until),
        "status": status,
        "updated_at": local_datetime_strings(event * SECONDS_PER_DAY + second),
    }


def make_sanctions(world: World, ctx: DayContext) -> Iterator[Chunk]:
    """New records published today and today's repairs/revocations (full load on the first day)."""
    day = day_number(ctx.day)
    rec = _concat(_records(world, ctx.seed, day - LOOKBACK_DAYS - 800, day), _planted_records(world, ctx.seed))
    if ctx.day == ctx.start:
        last_event = np.maximum(rec["published"], np.where(rec["repaired"] <= day, rec["repaired"], 0))
        sel = (rec["published"] <= day) & (
            np.maximum(last_event, np.where(rec["revoked"] <= day, rec["revoked"], 0)) >= day - LOOKBACK_DAYS
        )
        sel |= (rec["published"] <= day) & np.char.startswith(rec["record_id"], PLANTED_PREFIX)
        ctx.count("full_load_rows", int(sel.sum()))
    else:
        new = rec["published"] == day
        repaired = rec["repaired"] == day
        revoked = rec["revoked"] == day
        sel = new | repaired | revoked
        ctx.count("new_records", int(new.sum()))
        ctx.count("credit_repairs", int(repaired.sum()))
        ctx.count("revocations", int(revoked.sum()))
    yield from split_columns(sanction_rows(world, _subset(rec, sel), day, ctx.seed))


FEEDS = (Feed(LEGAL_SPEC, make_legal_entity), Feed(SANCTIONS_SPEC, make_sanctions))
