"""Enterprise gold builds on tiny frames: electricity per USCC, the 360 view and its risk flags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chispa import assert_df_equality

from pipelines.enterprise.gold import energy_daily, enterprise_360

AS_OF = dt.date(2026, 11, 20)  # October is closed: recent quarter Aug-Oct, baseline Nov 2025-Jul 2026
PROFILE = (
    "uscc string, name string, status string, status_since date, city_code string, industry_section string, "
    "credit_grade string, is_dishonest boolean, as_of_date date"
)
RETURNS = "taxpayer_id string, tax_period string, tax_type_code string, tax_paid_cny decimal(18,2), declared_on date"
VAT, PROPERTY = "10101", "10110"
DAILY = "date date, uscc string, kwh double, meters long, meters_reporting long"


def test_energy_daily_sums_enterprise_meters_and_leaves_households_out(spark) -> None:
    day = dt.date(2026, 11, 1)
    readings = spark.createDataFrame(
        [("M1", day, 1.5, 0), ("M1", day, 2.0, 0), ("M2", day, 0.0, 2), ("H1", day, 9.0, 0)],
        "meter_id string, date date, kwh double, quality int",
    )
    meters = spark.createDataFrame([("M1", "U1"), ("M2", "U1"), ("H1", None)], "meter_id string, uscc string")
    expected = spark.createDataFrame([(day, "U1", 3.5, 2, 1)], DAILY)
    out = energy_daily({"energy_readings": readings, "energy_meters": meters}, AS_OF)
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def _days(first: dt.date, count: int, uscc: str, kwh: float) -> list[tuple]:
    return [(first + dt.timedelta(days=i), uscc, kwh, 1, 1) for i in range(count)]


def _declared(period: str) -> dt.date:
    """The 10th of the month after `period`."""
    year, month = int(period[:4]), int(period[4:])
    return dt.date(year + month // 12, month % 12 + 1, 10)


def _sources(spark):
    profile_day, later = dt.date(2026, 11, 19), dt.date(2026, 11, 21)
    profiles = spark.createDataFrame(
        [
            ("U1", "一", "active", dt.date(2010, 1, 1), "320500", "C", "A", False, profile_day),
            ("U2", "二", "active", dt.date(2010, 1, 1), "320500", "C", "D", True, profile_day),
            ("U3", "三", "cancelled", dt.date(2025, 6, 1), "320500", "C", "A", False, profile_day),
            ("U4", "四", "cancelled", dt.date(2026, 10, 1), "320500", "C", "A", False, profile_day),
            ("U5", "五", "active", dt.date(2010, 1, 1), "320500", "C", "B", False, profile_day),
            ("U6", "future", "active", dt.date(2010, 1, 1), "320500", "C", "A", False, later),
        ],
        PROFILE,
    )
    paid = Decimal("100.00")
    returns = spark.createDataFrame(
        # U1: VAT paid falls from 100 to 40 a month between the baseline and the recent quarter;
        # a large property tax (not a turnover tax) in the recent quarter does not hide it
        [("U1", p, VAT, paid, _declared(p)) for p in ("202605", "202606", "202607")]
        + [("U1", p, VAT, Decimal("40.00"), _declared(p)) for p in ("202608", "202609", "202610")]
        + [("U1", "202609", PROPERTY, Decimal("900.00"), _declared("202609"))]
        # U2: dishonest and declared ten days ago; U5: steady
        + [("U2", "202610", VAT, paid, dt.date(2026, 11, 10))]
        + [("U5", f"2026{m:02d}", VAT, paid, _declared(f"2026{m:02d}")) for m in range(5, 11)]
        # a declaration after the snapshot date is not seen yet
        + [("U5", "202610", PROPERTY, paid, dt.date(2026, 11, 25))],
        RETURNS,
    )
    daily = spark.createDataFrame(
        _days(dt.date(2026, 5, 1), 60, "U1", 100.0)
        + _days(dt.date(2026, 8, 1), 60, "U1", 130.0)
        + _days(dt.date(2026, 11, 10), 5, "U3", 50.0)
        + _days(dt.date(2026, 11, 10), 5, "U4", 50.0)
        + _days(dt.date(2026, 5, 1), 60, "U5", 100.0)
        + _days(dt.date(2026, 8, 1), 60, "U5", 100.0),
        DAILY,
    )
    return {"credit_enterprise_profile": profiles, "tax_returns": returns, "enterprise_energy_daily": daily}


def test_enterprise_360_flags_each_planted_risk_and_nothing_else(spark) -> None:
    out = enterprise_360(_sources(spark), AS_OF)
    flags = {r.uscc: r.risk_flags for r in out.collect()}
    assert flags == {
        "U1": ["power_up_tax_down"],
        "U2": ["dishonest_still_declaring"],
        "U3": ["deregistered_still_consuming"],
        "U4": [],  # cancelled recently: meters are still being removed
        "U5": [],
    }


def test_enterprise_360_amounts_trends_and_tax_per_mwh(spark) -> None:
    rows = {r.uscc: r for r in enterprise_360(_sources(spark), AS_OF).collect()}
    u1, u5 = rows["U1"], rows["U5"]
    assert (u1.tax_paid_12m_cny, u1.kwh_12m) == (Decimal("1320.00"), 60 * 100.0 + 60 * 130.0)
    assert (u1.tax_trend, u1.kwh_trend) == (0.4, 1.3)
    assert u5.tax_paid_12m_cny == Decimal("600.00") and u5.tax_per_mwh == Decimal("50.00")
    assert (rows["U2"].kwh_12m, rows["U2"].tax_per_mwh, rows["U2"].kwh_trend) == (0.0, None, None)
    assert {r.profile_as_of for r in rows.values()} == {dt.date(2026, 11, 19)}
    assert {r.as_of_date for r in rows.values()} == {AS_OF}
