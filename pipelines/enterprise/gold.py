"""Gold builds of the cross-sector enterprise view: per-enterprise daily electricity and
`gold.enterprise_360` (credit, tax and electricity of each registered entity, with risk flags).

Risk flags (docs/sectors/enterprise.md):
- `power_up_tax_down`: average daily electricity of the last three closed months (the recent
  quarter) at least POWER_RISE_RATIO x that of the nine months before (the baseline), while
  turnover tax paid per declared period fell to TAX_FALL_RATIO x the baseline's or less.
- `dishonest_still_declaring`: under joint punishment and a tax return declared in the last
  DECLARING_DAYS days.
- `deregistered_still_consuming`: cancelled more than DEREGISTERED_GRACE_DAYS ago and still
  consuming electricity in the last CONSUMING_DAYS days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.energy.gold import meter_days
from pipelines.enterprise.windows import Windows, windows
from pipelines.transforms.common import Transform

POWER_RISE_RATIO = 1.10
TAX_FALL_RATIO = 0.50
MIN_DAYS = 20  # days with readings the recent quarter and the baseline each need before a trend is judged
# Taxes on turnover follow sales month by month (VAT, consumption tax, urban maintenance tax on VAT);
# income, property, stamp and land-use taxes are profit-, payroll- or asset-based and would blur a trend.
TURNOVER_TAXES = ("10101", "10102", "10109")
DECLARING_DAYS = 90
CONSUMING_DAYS = 30
DEREGISTERED_GRACE_DAYS = 90

ENERGY_DAILY_COLUMNS = ("date", "uscc", "kwh", "meters", "meters_reporting")
VIEW_COLUMNS = (
    "uscc",
    "name",
    "status",
    "city_code",
    "industry_section",
    "credit_grade",
    "is_dishonest",
    "tax_paid_12m_cny",
    "kwh_12m",
    "tax_per_mwh",
    "tax_trend",
    "kwh_trend",
    "last_declared_on",
    "risk_flags",
    "profile_as_of",
    "as_of_date",
)


def energy_daily(sources: Mapping[str, DataFrame], as_of: dt.date) -> DataFrame:
    """`gold.enterprise_energy_daily`: electricity per enterprise (USCC) and local day.

    Args:
        sources: `energy_readings` (silver, the touched days) and `energy_meters` (the register,
            whose non-residential meters carry the owner's USCC).
        as_of: the run's business date (unused: the table is per reading day).

    Returns:
        ENERGY_DAILY_COLUMNS: kWh, meters with readings and meters reporting (a measured or
        estimated interval), per (date, uscc). Household meters are left out.
    """
    owners = sources["energy_meters"].where(F.col("uscc").isNotNull()).select("meter_id", "uscc")
    return (
        meter_days(sources["energy_readings"])
        .join(owners, on="meter_id", how="inner")
        .groupBy("date", "uscc")
        .agg(
            F.sum("kwh").alias("kwh"),
            F.count(F.lit(1)).alias("meters"),
            F.count_if("reporting").alias("meters_reporting"),
        )
        .select(*ENERGY_DAILY_COLUMNS)
    )


def latest_profile(as_of: dt.date) -> Transform:
    """The newest credit profile snapshot on or before `as_of` (the credit DAG may run later)."""

    def transform(profiles: DataFrame) -> DataFrame:
        available = profiles.where(F.col("as_of_date") <= F.lit(as_of))
        newest = available.agg(F.max("as_of_date").alias("profile_as_of"))
        return available.join(newest, on=F.col("as_of_date") == F.col("profile_as_of"), how="inner")

    return transform


def tax_summary(as_of: dt.date, w: Windows) -> Transform:
    """Per taxpayer (as `uscc`): tax paid over 12 months, turnover tax of the trend windows, last declaration."""

    def transform(returns: DataFrame) -> DataFrame:
        paid = F.col("tax_paid_cny")
        turnover = F.col("tax_type_code").isin(list(TURNOVER_TAXES))
        recent = turnover & F.col("tax_period").isin(list(w.recent_periods))
        baseline = turnover & F.col("tax_period").isin(list(w.baseline_periods))
        since = F.lit(as_of - dt.timedelta(days=365))
        return (
            returns.where(F.col("declared_on") <= F.lit(as_of))
            .groupBy(F.col("taxpayer_id").alias("uscc"))
            .agg(
                F.sum(F.when(F.col("tax_period").isin(list(w.periods_12m)), paid)).alias("tax_paid_12m_cny"),
                F.sum(F.when(recent, paid)).alias("__tax_recent"),
                F.count_distinct(F.when(recent, F.col("tax_period"))).alias("__periods_recent"),
                F.sum(F.when(baseline, paid)).alias("__tax_baseline"),
                F.count_distinct(F.when(baseline, F.col("tax_period"))).alias("__periods_baseline"),
                F.max(F.when(F.col("declared_on") > since, F.col("declared_on"))).alias("last_declared_on"),
            )
        )

    return transform


def _between(column: str, days: tuple[dt.date, dt.date]) -> Column:
    return F.col(column).between(F.lit(days[0]), F.lit(days[1]))


def energy_summary(as_of: dt.date, w: Windows) -> Transform:
    """Per uscc: kWh over 12 months and the last CONSUMING_DAYS days, daily averages of the trend windows."""

    def transform(daily: DataFrame) -> DataFrame:
        recent, baseline = _between("date", w.recent_days), _between("date", w.baseline_days)
        last_days = F.col("date") > F.lit(as_of - dt.timedelta(days=CONSUMING_DAYS))
        return (
            daily.where(_between("date", w.energy_12m))
            .groupBy("uscc")
            .agg(
                F.sum("kwh").alias("kwh_12m"),
                F.sum(F.when(last_days, F.col("kwh"))).alias("__kwh_last_days"),
                F.avg(F.when(recent, F.col("kwh"))).alias("__kwh_recent"),
                F.count_if(recent).alias("__days_recent"),
                F.avg(F.when(baseline, F.col("kwh"))).alias("__kwh_baseline"),
                F.count_if(baseline).alias("__days_baseline"),
            )
        )

    return transform


def with_trends(frame: DataFrame) -> DataFrame:
    """Add `tax_trend` and `kwh_trend`: the recent quarter over the baseline (null when not comparable).

    `tax_trend` compares turnover tax paid per declared period (a quarterly declarer is compared
    quarter-end with quarter-end; no recent declaration counts as zero); `kwh_trend` compares
    average kWh per day with readings.
    """
    per_period_recent = F.coalesce(F.col("__tax_recent"), F.lit(0)).cast("double") / F.greatest(
        F.col("__periods_recent"), F.lit(1)
    )
    per_period_baseline = F.col("__tax_baseline").cast("double") / F.col("__periods_baseline")
    comparable_tax = (F.col("__periods_baseline") > 0) & (F.col("__tax_baseline") > 0)
    comparable_kwh = (
        (F.col("__days_recent") >= MIN_DAYS) & (F.col("__days_baseline") >= MIN_DAYS) & (F.col("__kwh_baseline") > 0)
    )
    return frame.withColumns(
        {
            "tax_trend": F.when(comparable_tax, F.round(per_period_recent / per_period_baseline, 4)),
            "kwh_trend": F.when(comparable_kwh, F.round(F.col("__kwh_recent") / F.col("__kwh_baseline"), 4)),
        }
    )


def with_tax_per_mwh(frame: DataFrame) -> DataFrame:
    """Add `tax_per_mwh`: tax paid over 12 months per MWh consumed (null without consumption)."""
    mwh = F.col("kwh_12m") / 1000.0
    ratio = F.col("tax_paid_12m_cny").cast("double") / mwh
    return frame.withColumn("tax_per_mwh", F.when(mwh > 0, ratio.cast("decimal(18,2)")))


def with_risk_flags(as_of: dt.date) -> Transform:
    """Add `risk_flags` (array of flag names, empty when none); the rules are in the module docstring."""

    def transform(frame: DataFrame) -> DataFrame:
        power_up_tax_down = (F.col("kwh_trend") >= POWER_RISE_RATIO) & (F.col("tax_trend") <= TAX_FALL_RATIO)
        still_declaring = F.col("is_dishonest") & (
            F.col("last_declared_on") > F.lit(as_of - dt.timedelta(days=DECLARING_DAYS))
        )
        still_consuming = (
            (F.col("status") == "cancelled")
            & (F.col("status_since") < F.lit(as_of - dt.timedelta(days=DEREGISTERED_GRACE_DAYS)))
            & (F.col("__kwh_last_days") > 0)
        )
        flags = F.array(
            F.when(power_up_tax_down, F.lit("power_up_tax_down")),
            F.when(still_declaring, F.lit("dishonest_still_declaring")),
            F.when(still_consuming, F.lit("deregistered_still_consuming")),
        )
        return frame.withColumn("risk_flags", F.filter(flags, lambda f: f.isNotNull()))

    return transform


def enterprise_360(sources: Mapping[str, DataFrame], as_of: dt.date) -> DataFrame:
    """`gold.enterprise_360`: one row per registered entity with its credit, tax and electricity.

    Args:
        sources: `credit_enterprise_profile` (gold, snapshots by as_of_date), `tax_returns`
            (silver, latest version of each declaration) and `enterprise_energy_daily` (gold).
        as_of: the snapshot date.

    Returns:
        VIEW_COLUMNS: the profile's entities (newest snapshot on or before `as_of`), tax paid
        over the 12 months before the run's month, kWh over the 365 days ending `as_of`,
        tax per MWh, quarter-on-quarter trends and the risk flags.
    """
    w = windows(as_of)
    tax = sources["tax_returns"].transform(tax_summary(as_of, w))
    energy = sources["enterprise_energy_daily"].transform(energy_summary(as_of, w))
    return (
        sources["credit_enterprise_profile"]
        .transform(latest_profile(as_of))
        .join(tax, on="uscc", how="left")
        .join(energy, on="uscc", how="left")
        .fillna({"kwh_12m": 0.0})
        .withColumn("tax_paid_12m_cny", F.coalesce(F.col("tax_paid_12m_cny"), F.lit(0)).cast("decimal(20,2)"))
        .transform(with_trends)
        .transform(with_tax_per_mwh)
        .transform(with_risk_flags(as_of))
        .withColumn("as_of_date", F.lit(as_of))
        .select(*VIEW_COLUMNS)
    )
