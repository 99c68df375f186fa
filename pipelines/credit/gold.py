"""Gold builds of the credit sector: the enterprise credit profile and the joint-punishment list.

Both are snapshots "as of" the run's date: the register version in force at the end
of that day (Asia/Shanghai) and the sanction records in force on that day. The
credit grade rule is documented in `docs/sectors/credit.md` and implemented in
`with_credit_grade`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.transforms.common import Transform, local_date

# Categories that put an entity on a joint-punishment (严重失信) list; the others are ordinary penalties.
DISHONEST_CATEGORIES = ("dishonest_judgment_debtor", "major_tax_violation", "safety_blacklist")
LARGE_PENALTY_CNY = 100_000  # one active sanction at least this large grades C
REPAIR_MEMORY_DAYS = 365  # a credit repair keeps an entity at B for this long

PROFILE_COLUMNS = (
    "uscc",
    "name",
    "division_code",
    "city_code",
    "industry_code",
    "industry_section",
    "status",
    "status_since",
    "active_sanctions",
    "is_dishonest",
    "max_active_amount_cny",
    "repairs_12m",
    "credit_grade",
    "as_of_date",
)


def end_of_local_day(as_of: dt.date) -> Column:
    """The UTC instant at which `as_of` ends in Asia/Shanghai (next local midnight)."""
    return F.lit(f"{as_of + dt.timedelta(days=1)}T00:00:00+08:00").cast("timestamp")


def register_as_of(as_of: dt.date) -> Transform:
    """The register version of each entity in force at the end of `as_of` (SCD2 `[valid_from, valid_to)`)."""

    def transform(history: DataFrame) -> DataFrame:
        end = end_of_local_day(as_of)
        in_force = (F.col("valid_from") < end) & (F.col("valid_to").isNull() | (F.col("valid_to") >= end))
        return history.where(in_force)

    return transform


def status_since(as_of: dt.date) -> Transform:
    """Per uscc, the local date its status in force at the end of `as_of` began.

    That is the first version of the latest unbroken run of versions with that status
    (a deregistration's date for a cancelled entity), from the SCD2 history.
    """

    def transform(history: DataFrame) -> DataFrame:
        known = history.where(F.col("valid_from") < end_of_local_day(as_of))
        now = known.transform(register_as_of(as_of)).select("uscc", F.col("status").alias("__now"))
        versions = known.select("uscc", "status", "valid_from").join(now, on="uscc", how="inner")
        last_other = versions.groupBy("uscc").agg(
            F.max(F.when(F.col("status") != F.col("__now"), F.col("valid_from"))).alias("__last_other")
        )
        current_run = (F.col("status") == F.col("__now")) & (
            F.col("__last_other").isNull() | (F.col("valid_from") > F.col("__last_other"))
        )
        return (
            versions.join(last_other, on="uscc", how="inner")
            .groupBy("uscc")
            .agg(F.min(F.when(current_run, F.col("valid_from"))).alias("__since"))
            .select("uscc", local_date(F.col("__since")).alias("status_since"))
        )

    return transform


def is_in_force(as_of: dt.date) -> Column:
    """A sanction record in force on `as_of`: status active, decided, and its publicity period not over."""
    day = F.lit(as_of)
    return (
        (F.col("status") == "active")
        & (F.col("decided_on") <= day)
        & (F.col("valid_until").isNull() | (F.col("valid_until") >= day))
    )


def sanction_summary(as_of: dt.date) -> Transform:
    """Per uscc: sanctions in force, whether one is a dishonesty record, the largest amount, recent repairs."""

    def transform(sanctions: DataFrame) -> DataFrame:
        in_force = is_in_force(as_of)
        dishonest = in_force & F.col("category").isin(list(DISHONEST_CATEGORIES))
        repaired_recently = (F.col("status") == "repaired") & (
            local_date(F.col("updated_at")) > F.lit(as_of - dt.timedelta(days=REPAIR_MEMORY_DAYS))
        )
        return sanctions.groupBy("uscc").agg(
            F.count_if(in_force).cast("int").alias("active_sanctions"),
            F.coalesce(F.max(dishonest), F.lit(False)).alias("is_dishonest"),
            F.max(F.when(in_force, F.col("amount_cny"))).alias("max_active_amount_cny"),
            F.count_if(repaired_recently).cast("int").alias("repairs_12m"),
        )

    return transform


def with_credit_grade(frame: DataFrame) -> DataFrame:
    """Add `credit_grade` (A best … D worst) from status and sanctions; see docs/sectors/credit.md.

    D: on a joint-punishment list (is_dishonest) or licence revoked.
    C: two or more sanctions in force, or one of at least LARGE_PENALTY_CNY.
    B: one sanction in force, or a credit repair within REPAIR_MEMORY_DAYS.
    A: otherwise.
    """
    grade_d = F.col("is_dishonest") | (F.col("status") == "revoked")
    grade_c = (F.col("active_sanctions") >= 2) | (
        F.coalesce(F.col("max_active_amount_cny"), F.lit(0)) >= LARGE_PENALTY_CNY
    )
    grade_b = (F.col("active_sanctions") == 1) | (F.col("repairs_12m") > 0)
    grade = F.when(grade_d, "D").when(grade_c, "C").when(grade_b, "B").otherwise("A")
    return frame.withColumn("credit_grade", grade)


def enterprise_profile(sources: Mapping[str, DataFrame], as_of: dt.date) -> DataFrame:
    """`gold.credit_enterprise_profile`: one row per entity of the register as of `as_of`.

    Args:
        sources: `credit_legal_entity` (silver, SCD2 history) and `credit_sanctions` (silver).
        as_of: the snapshot date.

    Returns:
        PROFILE_COLUMNS, one row per uscc (cancelled and revoked entities included,
        their `status` says so, and `status_since` since when).
    """
    history = sources["credit_legal_entity"]
    summary = sources["credit_sanctions"].transform(sanction_summary(as_of))
    return (
        history.transform(register_as_of(as_of))
        .join(history.transform(status_since(as_of)), on="uscc", how="left")
        .join(summary, on="uscc", how="left")
        .fillna({"active_sanctions": 0, "is_dishonest": False, "repairs_12m": 0})
        .transform(with_credit_grade)
        .withColumn("as_of_date", F.lit(as_of))
        .select(*PROFILE_COLUMNS)
    )


def joint_punishment(sources: Mapping[str, DataFrame], as_of: dt.date) -> DataFrame:
    """`gold.credit_joint_punishment`: one row per entity with a dishonesty record in force on `as_of`.

    Args:
        sources: `credit_legal_entity` (silver, SCD2 history) and `credit_sanctions` (silver).
        as_of: the snapshot date.

    Returns:
        uscc, name, division_code, categories (sorted distinct dishonesty categories in force),
        since (earliest decision among them), valid_until (latest end of publicity),
        records, as_of_date. Entities absent from the register are left out, so the
        list is exactly the profile's `is_dishonest` entities.
    """
    dishonest = is_in_force(as_of) & F.col("category").isin(list(DISHONEST_CATEGORIES))
    records = (
        sources["credit_sanctions"]
        .where(dishonest)
        .groupBy("uscc")
        .agg(
            F.array_sort(F.collect_set("category")).alias("categories"),
            F.min("decided_on").alias("since"),
            F.max("valid_until").alias("valid_until"),
            F.count(F.lit(1)).cast("int").alias("records"),
        )
    )
    register = sources["credit_legal_entity"].transform(register_as_of(as_of)).select("uscc", "name", "division_code")
    return (
        records.join(register, on="uscc", how="inner")
        .withColumn("as_of_date", F.lit(as_of))
        .select("uscc", "name", "division_code", "categories", "since", "valid_until", "records", "as_of_date")
    )
