"""tax/returns: monthly and quarterly tax declarations, GBK CSV with a Chinese header.

Returns for period P are declared in the first half of month P+1 (a few late), all
of an entity's returns on the same day. About 2% are amended later (version 2,
sometimes 3) with the same declaration_id, days to months afterwards. Everything is
a function of (world, entity, period, tax type), so any day can be generated alone.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from pipelines.generate import defects as d
from pipelines.generate.calendar import date_strings, day_number, month_index, month_start, period_strings
from pipelines.generate.feeds.base import Chunk, DayContext, Feed, FeedSpec, split_columns
from pipelines.generate.rand import hash_normal, hash_uniform
from pipelines.generate.text import integers, money, to_cents, zfill
from pipelines.generate.world import RISK_TREND_START, World

HEADER = (
    "申报序号",
    "纳税人识别号",
    "所属期",
    "税种代码",
    "计税依据",
    "应纳税额",
    "已缴税额",
    "申报日期",
    "行政区划代码",
    "行业代码",
    "版本号",
)
COLUMNS = (
    "declaration_id",
    "taxpayer_id",
    "tax_period",
    "tax_type_code",
    "taxable_base_cny",
    "tax_due_cny",
    "tax_paid_cny",
    "declared_on",
    "division_code",
    "industry_code",
    "version",
)
TAX_CODES = ("10101", "10102", "10104", "10106", "10109", "10110", "10111", "10112")
AMEND_SHARE = 0.02  # share of returns amended later
AMEND_MAX_DAYS = 300  # latest amendment after the original declaration
SEASON = np.array([1.0, 0.8, 1.05, 1.0, 1.0, 1.05, 1.0, 1.0, 1.05, 1.05, 1.05, 1.2])  # revenue by calendar month
CONSUMPTION_INDUSTRIES = ("C15", "C16", "C25", "C36")


def _tax_out_of_range() -> d.Recipe:
    """out_of_range: tax paid more than ten times the tax due (or negative amounts)."""

    def apply(columns: d.Columns, row: int, spoil: d.Spoil) -> str:
        due = float(columns["tax_due_cny"][row])
        paid = due * 10 + float(spoil.rng.integers(100, 10_000))
        d.set_cell(columns, "tax_paid_cny", row, f"{paid:.2f}")
        return f"tax_paid_cny {paid:.2f} > 10 x tax_due_cny {due:.2f}"

    return d.Recipe("out_of_range", cell=apply)


SPEC = FeedSpec(
    sector="tax",
    feed="returns",
    fmt="csv",
    columns=COLUMNS,
    header=HEADER,
    encoding="gbk",
    producer="国家税务总局江苏省税务局",
    ext="csv",
    drift_column=("备注", "正常申报"),
    recipes={
        "missing_required": (d.blank("taxpayer_id"), d.blank("declaration_id"), d.blank("tax_due_cny")),
        "invalid_uscc": (d.bad_uscc("taxpayer_id"),),
        "invalid_division": (d.bad_division("division_code"),),
        "out_of_range": (d.negative("tax_due_cny"), d.negative("tax_paid_cny"), _tax_out_of_range()),
        "future_date": (d.future("declared_on"),),
        "unparseable_row": (d.not_a_number("tax_due_cny"), d.wrong_column_count(",")),
    },
)


def _declare_day(ents: np.ndarray, period: np.ndarray, seed: int) -> np.ndarray:
    """Day of month (1-28) on which an entity declares a period: mostly 1-15, peaking near 15."""
    u = hash_uniform(f"{seed}:tax.day", ents, period)
    on_time = 1 + np.floor(15 * np.sqrt(u / 0.97)).astype(np.int64)
    late = 16 + np.floor((u - 0.97) / 0.03 * 13).astype(np.int64)
    return np.where(u < 0.97, np.minimum(on_time, 15), np.minimum(late, 28))


def _applies(world: World, ents: np.ndarray, period: int) -> np.ndarray:
    """(n, 8) mask: which tax types an entity declares for a period."""
    e = world.enterprises
    quarter_end = (period % 12) in (2, 5, 8, 11)
    individual = e.prefix[ents] == "92"
    company = ~individual
    big = e.revenue_wan[ents] > 100
    section = e.industry[ents].astype("U1")
    holds_property = company & np.isin(section, ["B", "C", "D", "G", "L"]) & (e.revenue_wan[ents] > 200)
    mask = np.zeros((len(ents), len(TAX_CODES)), dtype=bool)
    mask[:, 0] = company | quarter_end  # VAT: monthly, individual businesses quarterly
    mask[:, 1] = np.isin(e.industry[ents], CONSUMPTION_INDUSTRIES)
    mask[:, 2] = company & quarter_end  # corporate income: quarterly prepayment
    mask[:, 3] = (company & big) | (individual & quarter_end)
    mask[:, 4] = mask[:, 0]  # urban maintenance goes with VAT
    mask[:, 5] = holds_property & quarter_end
    mask[:, 6] = company & quarter_end
    mask[:, 7] = holds_property & quarter_end
    return mask


def _risk_factor(world: World, ents: np.ndarray, period: int) -> np.ndarray:
    """Revenue multiplier of planted power-up/tax-down entities: falls 20% a month."""
    months = period - int(month_index(np.array([day_number(RISK_TREND_START)]))[0])
    planted = world.enterprises.risk[ents] == "power_up_tax_down"
    return np.where(planted & (months >= 0), max(0.1, 0.8 ** max(months, 0)), 1.0)


def _amounts(world: World, ents: np.ndarray, codes: np.ndarray, period: int, seed: int) -> tuple[np.ndarray, ...]:
    """Taxable base, tax due and tax paid in cents for each (entity, tax type index)."""
    e = world.enterprises
    quarterly = np.where(np.isin(codes, [2, 5, 6, 7]) | (e.prefix[ents] == "92"), 3.0, 1.0)
    noise = np.exp(0.15 * hash_normal(f"{seed}:tax.noise", ents, period))
    revenue = (
        e.revenue_wan[ents] * 10_000 / 12 * SEASON[period % 12] * noise * quarterly * _risk_factor(world, ents, period)
    )
    individual = e.prefix[ents] == "92"
    vat_rate = np.where(
        individual, np.where(revenue > 300_000, 0.01, 0.0), 0.02 + 0.02 * hash_uniform(f"{seed}:tax.vat", ents)
    )
    margin = np.clip(0.06 + 0.05 * hash_normal(f"{seed}:tax.margin", ents, period), 0.0, None)
    area = 500 + 20_000 * hash_uniform(f"{seed}:tax.area", ents)
    base = np.select(
        [codes == 0, codes == 1, codes == 2, codes == 3, codes == 4, codes == 5, codes == 6, codes == 7],
        [
            revenue,
            revenue * 0.5,
            revenue * margin,
            revenue * 0.12,
            revenue * vat_rate,
            e.revenue_wan[ents] * 10_000 * 0.56,
            revenue * 0.7,
            area,
        ],
    )
    rate = np.select(
        [codes == 0, codes == 1, codes == 2, codes == 3, codes == 4, codes == 5, codes == 6, codes == 7],
        [vat_rate, 0.10, np.where(base < 3_000_000, 0.05, 0.25), 0.03, 0.07, 0.012 / 4, 0.0003, 3.0 / 4],
    )
    base_c = to_cents(base)
    due_c = to_cents(base_c / 100.0 * rate)
    pay = hash_uniform(f"{seed}:tax.paid", ents, period, codes)
    paid_c = np.where(pay < 0.93, due_c, np.where(pay < 0.98, to_cents(due_c / 100.0 * (0.3 + 0.6 * pay)), 0))
    return base_c, due_c, paid_c


def _returns(world: World, period: int, seed: int) -> dict[str, np.ndarray]:
    """All original returns of a period: entity, tax code index and declaration day.

    Entities declare when registered before the end of the period and not cancelled
    before the filing month starts.
    """
    e = world.enterprises
    next_first = int(month_start(np.array([period + 1]))[0])
    ents = np.flatnonzero((e.established < next_first) & (e.deregistered >= next_first))
    mask = _applies(world, ents, period)
    rows, codes = np.nonzero(mask)
    ents = ents[rows]
    declared = next_first + _declare_day(ents, np.full(len(ents), period), seed) - 1
    return {"ent": ents, "code": codes, "declared": declared}


def _amendments(ret: dict[str, np.ndarray], period: int, seed: int) -> dict[str, np.ndarray]:
    """Version and day of the amendments of original returns (version 2 and some 3)."""
    ents, codes = ret["ent"], ret["code"]
    u = hash_uniform(f"{seed}:tax.amend", ents, period, codes)
    amended = u < AMEND_SHARE
    lag2 = 3 + np.floor(hash_uniform(f"{seed}:tax.lag2", ents, period, codes) * (AMEND_MAX_DAYS - 130)).astype(np.int64)
    lag3 = lag2 + 10 + np.floor(hash_uniform(f"{seed}:tax.lag3", ents, period, codes) * 110).astype(np.int64)
    third = hash_uniform(f"{seed}:tax.v3", ents, period, codes) < 0.25
    return {"amended": amended, "v2": ret["declared"] + lag2, "v3": np.where(third, ret["declared"] + lag3, -1)}


def _rows(
    world: World, period: int, ents: np.ndarray, codes: np.ndarray, version: np.ndarray, declared: np.ndarray, seed: int
) -> dict[str, np.ndarray]:
    """Text columns for returns of one period."""
    e = world.enterprises
    base, due, paid = _amounts(world, ents, codes, period, seed)
    if (version > 1).any():
        factor = 1.0 + 0.12 * hash_normal(f"{seed}:tax.amount", ents, period, codes, version)
        factor = np.where(version > 1, np.clip(factor, 0.5, 1.6), 1.0)
        base = to_cents(base * factor / 100.0)
        due = to_cents(due * factor / 100.0)
        paid = np.where(version > 1, due, paid)
    tax_codes = np.array(TAX_CODES)[codes]
    period_text = str(period_strings(np.array([period]))[0])
    decl_id = np.char.add(np.char.add(period_text, tax_codes), zfill(ents, 8))
    return {
        "declaration_id": decl_id,
        "taxpayer_id": e.uscc[ents],
        "tax_period": np.full(len(ents), period_text),
        "tax_type_code": tax_codes,
        "taxable_base_cny": money(base),
        "tax_due_cny": money(due),
        "tax_paid_cny": money(paid),
        "declared_on": date_strings(declared),
        "division_code": e.division[ents],
        "industry_code": e.industry[ents],
        "version": integers(version),
    }


def _version_rows(
    world: World, period: int, ret: dict[str, np.ndarray], sel: np.ndarray, version: int, today: int, seed: int
) -> dict[str, np.ndarray]:
    """Version `version` of the selected returns of `period`, declared `today`."""
    n = int(sel.sum())
    return _rows(world, period, ret["ent"][sel], ret["code"][sel], np.full(n, version), np.full(n, today), seed)


def make(world: World, ctx: DayContext) -> Iterator[Chunk]:
    """The returns declared on `ctx.day`: originals of last month plus amendments.

    Args:
        world: the world.
        ctx: the delivery (day, seed, behaviour counters).

    Yields:
        Chunks of text columns.
    """
    today = day_number(ctx.day)
    this_month = int(month_index(np.array([today]))[0])
    parts: list[dict[str, np.ndarray]] = []
    for period in range(this_month - 1 - AMEND_MAX_DAYS // 28, this_month):
        ret = _returns(world, period, ctx.seed)
        if period == this_month - 1:
            parts.append(_version_rows(world, period, ret, ret["declared"] == today, 1, today, ctx.seed))
        amend = _amendments(ret, period, ctx.seed)
        for version in (2, 3):
            sel = amend["amended"] & (amend[f"v{version}"] == today)
            if sel.any():
                parts.append(_version_rows(world, period, ret, sel, version, today, ctx.seed))
                ctx.count(f"amended_returns_v{version}", int(sel.sum()))
    columns = {c: np.concatenate([p[c] for p in parts]) for c in COLUMNS}
    ctx.count("original_returns", int((columns["version"] == "1").sum()))
    yield from split_columns(columns)


FEEDS = (Feed(SPEC, make),)
