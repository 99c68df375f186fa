"""Spark identifier checks agree with the plain-Python rules of `pipelines.ids` (the oracle)."""

from __future__ import annotations

import random

from pyspark.sql import functions as F

from pipelines import ids
from pipelines.transforms import identifiers


def _uscc(rng: random.Random) -> str:
    division = rng.choice([c for c, (_, level, _) in ids.jiangsu_divisions().items() if level == "county"])
    body = "91" + division + "".join(rng.choice(ids.USCC_ALPHABET) for _ in range(9))
    return body + ids.uscc_check_char(body)


def _id_no(rng: random.Random) -> str:
    body = (
        "320102"
        + f"{rng.randint(1940, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + f"{rng.randint(0, 999):03d}"
    )
    return body + ids.id_check_char(body)


def _mutations(code: str, alphabet: str, rng: random.Random) -> list[str]:
    swapped = code[:17] + rng.choice([c for c in alphabet if c != code[17]])
    return [code, swapped, code[:17], code.lower(), code[:5] + "I" + code[6:], ""]


def test_uscc_check_matches_oracle(spark) -> None:
    rng = random.Random(7)
    codes = [m for _ in range(40) for m in _mutations(_uscc(rng), ids.USCC_ALPHABET, rng)]
    frame = spark.createDataFrame([(c,) for c in codes], "code string")
    got = {r.code: r.ok for r in frame.select("code", identifiers.is_valid_uscc(F.col("code")).alias("ok")).collect()}
    assert got == {c: ids.is_valid_uscc(c) for c in codes}
    assert any(got.values()) and not all(got.values())


def test_id_number_check_matches_oracle(spark) -> None:
    rng = random.Random(11)
    numbers = [m for _ in range(40) for m in _mutations(_id_no(rng), "0123456789X", rng)]
    numbers += ["320102199002300011", "32010219900230001X"]  # 30 February: not a date
    frame = spark.createDataFrame([(n,) for n in numbers], "n string")
    got = {r.n: r.ok for r in frame.select("n", identifiers.is_valid_id_no(F.col("n")).alias("ok")).collect()}
    assert got == {n: ids.is_valid_id_no(n) for n in numbers}


def test_division_and_industry_codes(spark) -> None:
    frame = spark.createDataFrame(
        [("320102", "C13"), ("110101", "A06"), ("320500", "K70"), (None, None)], "d string, i string"
    )
    rows = frame.select(
        identifiers.is_jiangsu_division(F.col("d")).alias("d_ok"),
        identifiers.is_industry_code(F.col("i")).alias("i_ok"),
    ).collect()
    assert [(r.d_ok, r.i_ok) for r in rows] == [(True, True), (False, False), (True, True), (False, False)]


def test_city_code_and_id_derivatives(spark) -> None:
    frame = spark.createDataFrame([("320583", "320102199003070021")], "d string, n string")
    row = frame.select(
        identifiers.city_code(F.col("d")).alias("city"),
        identifiers.id_no_birth_date(F.col("n")).cast("string").alias("born"),
        identifiers.id_no_gender(F.col("n")).alias("sex"),
    ).first()
    assert (row.city, row.born, row.sex) == ("320500", "1990-03-07", "F")
