"""Credit gold builds on tiny frames: the version in force, sanctions in force, the grade rule."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from chispa import assert_df_equality

from pipelines.credit.gold import (
    enterprise_profile,
    joint_punishment,
    register_as_of,
    status_since,
    with_credit_grade,
)

AS_OF = date(2026, 11, 10)
HISTORY = (
    "uscc string, name string, division_code string, city_code string, industry_code string, industry_section string, "
    "status string, valid_from timestamp, valid_to timestamp"
)
SANCTIONS = (
    "record_id string, uscc string, category string, decided_on date, amount_cny decimal(18,2), valid_until date, "
    "status string, updated_at timestamp"
)
# Instants in UTC (the session time zone); 2026-11-10 ends at 16:00 UTC in Asia/Shanghai.
BEFORE_MIDNIGHT = datetime(2026, 11, 10, 15, 30)  # 23:30 local on the 10th
AFTER_MIDNIGHT = datetime(2026, 11, 10, 16, 30)  # 00:30 local on the 11th


def _history(spark, rows):
    return spark.createDataFrame(rows, HISTORY)


def test_register_as_of_takes_the_version_in_force_at_the_end_of_the_local_day(spark) -> None:
    t0 = datetime(2020, 1, 1)
    history = _history(
        spark,
        [
            ("U1", "old", "320102", "320100", "C13", "C", "active", t0, BEFORE_MIDNIGHT),
            ("U1", "renamed", "320102", "320100", "C13", "C", "active", BEFORE_MIDNIGHT, None),
            ("U2", "before", "320102", "320100", "C13", "C", "active", t0, AFTER_MIDNIGHT),
            ("U2", "tomorrow", "320102", "320100", "C13", "C", "revoked", AFTER_MIDNIGHT, None),
            ("U3", "not yet", "320102", "320100", "C13", "C", "active", AFTER_MIDNIGHT, None),
        ],
    )
    names = {(r.uscc, r.name) for r in history.transform(register_as_of(AS_OF)).collect()}
    assert names == {("U1", "renamed"), ("U2", "before")}


@pytest.mark.parametrize(
    ("status", "active", "dishonest", "largest", "repairs", "grade"),
    [
        ("active", 0, False, None, 0, "A"),
        ("cancelled", 0, False, None, 0, "A"),
        ("active", 0, False, None, 1, "B"),
        ("active", 1, False, Decimal("5000.00"), 0, "B"),
        ("active", 1, False, Decimal("100000.00"), 0, "C"),
        ("active", 2, False, Decimal("10.00"), 0, "C"),
        ("active", 1, True, None, 0, "D"),
        ("revoked", 0, False, None, 0, "D"),
    ],
)
def test_credit_grade_rule(spark, status, active, dishonest, largest, repairs, grade) -> None:
    frame = spark.createDataFrame(
        [(status, active, dishonest, largest, repairs)],
        "status string, active_sanctions int, is_dishonest boolean, max_active_amount_cny decimal(18,2), repairs_12m int",
    )
    assert frame.transform(with_credit_grade).first().credit_grade == grade


def _sources(spark):
    t0 = datetime(2020, 1, 1)
    history = _history(
        spark,
        [
            ("U1", "甲", "320102", "320100", "C13", "C", "active", t0, None),
            ("U2", "乙", "320583", "320500", "G53", "G", "active", t0, None),
            ("U3", "丙", "320583", "320500", "G53", "G", "cancelled", t0, None),
            ("U4", "丁", "320583", "320500", "G53", "G", "active", t0, None),
        ],
    )
    upd = datetime(2026, 1, 1)
    sanctions = spark.createDataFrame(
        [
            # U1: a dishonesty record in force and an ordinary penalty -> D, 2 in force
            ("R1", "U1", "dishonest_judgment_debtor", date(2025, 5, 1), None, date(2028, 5, 1), "active", upd),
            ("R2", "U1", "admin_penalty", date(2026, 3, 1), Decimal("800.00"), date(2027, 3, 1), "active", upd),
            # U2: a dishonesty record repaired this year -> not dishonest, B by the repair
            (
                "R3",
                "U2",
                "major_tax_violation",
                date(2024, 5, 1),
                None,
                date(2027, 5, 1),
                "repaired",
                datetime(2026, 6, 1),
            ),
            # U3: an expired penalty (publicity over) and one decided after the snapshot date -> A
            ("R4", "U3", "admin_penalty", date(2024, 1, 1), Decimal("9.00"), date(2025, 1, 1), "active", upd),
            ("R5", "U3", "safety_blacklist", date(2026, 11, 11), None, date(2029, 11, 11), "active", upd),
            # a sanction of an entity not in the register is not profiled
            ("R6", "U9", "dishonest_judgment_debtor", date(2025, 5, 1), None, date(2028, 5, 1), "active", upd),
        ],
        SANCTIONS,
    )
    return {"credit_legal_entity": history, "credit_sanctions": sanctions}


def test_enterprise_profile_grades_every_registered_entity(spark) -> None:
    out = enterprise_profile(_sources(spark), AS_OF).select(
        "uscc", "status", "active_sanctions", "is_dishonest", "credit_grade", "as_of_date"
    )
    expected = spark.createDataFrame(
        [
            ("U1", "active", 2, True, "D", AS_OF),
            ("U2", "active", 0, False, "B", AS_OF),
            ("U3", "cancelled", 0, False, "A", AS_OF),
            ("U4", "active", 0, False, "A", AS_OF),
        ],
        "uscc string, status string, active_sanctions int, is_dishonest boolean, credit_grade string, as_of_date date",
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_joint_punishment_lists_the_profile_dishonest_entities(spark) -> None:
    out = joint_punishment(_sources(spark), AS_OF).select(
        "uscc", "name", "categories", "since", "records", "as_of_date"
    )
    expected = spark.createDataFrame(
        [("U1", "甲", ["dishonest_judgment_debtor"], date(2025, 5, 1), 1, AS_OF)],
        "uscc string, name string, categories array<string>, since date, records int, as_of_date date",
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_status_since_is_the_start_of_the_latest_run_of_the_current_status(spark) -> None:
    t = [datetime(2024, 1, 1, 2), datetime(2025, 1, 1, 2), datetime(2025, 6, 1, 2), datetime(2025, 9, 1, 2)]
    history = _history(
        spark,
        [
            ("U1", "n", "320102", "320100", "C13", "C", "active", t[0], t[1]),
            ("U1", "n", "320102", "320100", "C13", "C", "revoked", t[1], t[2]),
            ("U1", "n2", "320102", "320100", "C13", "C", "active", t[2], t[3]),
            ("U1", "n3", "320102", "320100", "C13", "C", "active", t[3], None),
            ("U2", "m", "320102", "320100", "C13", "C", "cancelled", t[1], None),
        ],
    )
    got = {r.uscc: r.status_since for r in history.transform(status_since(AS_OF)).collect()}
    assert got == {"U1": date(2025, 6, 1), "U2": date(2025, 1, 1)}
