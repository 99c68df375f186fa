"""Identifier validity as Spark column expressions (built-ins only, no UDF).

Mirrors `pipelines.ids`, which is the plain-Python oracle the tests compare against.
"""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column
from pyspark.sql import functions as F

from pipelines import ids

USCC_PATTERN = "^[0-9A-HJ-NPQRTUWXY]{18}$"
ID_NO_PATTERN = "^[0-9]{17}[0-9X]$"


def _weighted_sum(code: Column, alphabet: str, weights: tuple[int, ...]) -> Column:
    terms = [(F.instr(F.lit(alphabet), F.substring(code, i + 1, 1)) - 1) * F.lit(w) for i, w in enumerate(weights)]
    return reduce(lambda a, b: a + b, terms)


def is_valid_uscc(code: Column) -> Column:
    """True when `code` is a USCC with a correct GB 32100 check character."""
    remainder = 31 - _weighted_sum(code, ids.USCC_ALPHABET, ids.USCC_WEIGHTS) % 31
    check_index = F.when(remainder == 31, 0).otherwise(remainder)
    expected = F.lit(ids.USCC_ALPHABET).substr(check_index + 1, F.lit(1))
    return F.coalesce(code.rlike(USCC_PATTERN) & (F.substring(code, 18, 1) == expected), F.lit(False))


def id_no_birth_date(id_no: Column) -> Column:
    """The birth date encoded in a resident identity number (null when not a real date)."""
    return F.try_to_date(F.substring(id_no, 7, 8), "yyyyMMdd")


def id_no_gender(id_no: Column) -> Column:
    """'M' or 'F' from the sequence digit (odd = male)."""
    return F.when(F.substring(id_no, 17, 1).cast("int") % 2 == 1, "M").otherwise("F")


def is_valid_id_no(id_no: Column) -> Column:
    """True for a GB 11643 number: 17 digits, a real birth date, the right check character."""
    digits = [F.substring(id_no, i + 1, 1).cast("int") * F.lit(w) for i, w in enumerate(ids.ID_WEIGHTS)]
    expected = F.lit(ids.ID_CHECK_CHARS).substr(reduce(lambda a, b: a + b, digits) % 11 + 1, F.lit(1))
    return F.coalesce(
        id_no.rlike(ID_NO_PATTERN) & id_no_birth_date(id_no).isNotNull() & (F.substring(id_no, 18, 1) == expected),
        F.lit(False),
    )


def is_jiangsu_division(code: Column) -> Column:
    """True for a code in the Jiangsu division list (GB/T 2260)."""
    return F.coalesce(code.isin(list(ids.jiangsu_divisions())), F.lit(False))


def valid_industry_codes() -> list[str]:
    """Every GB/T 4754 section + division code."""
    return [f"{s}{d:02d}" for s, (low, high) in ids.INDUSTRY_SECTIONS.items() for d in range(low, high + 1)]


def is_industry_code(code: Column) -> Column:
    """True for a GB/T 4754 section letter + one of its divisions."""
    return F.coalesce(code.isin(valid_industry_codes()), F.lit(False))


def city_code(division_code: Column) -> Column:
    """City-level division code: first 4 digits + '00'."""
    return F.concat(F.substring(division_code, 1, 4), F.lit("00"))
