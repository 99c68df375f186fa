"""Values formatted as the feed contracts write them: money from cents, fixed decimals, zero padding."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.generate.text import fixed, integers, money, to_cents, zfill


def test_money_from_cents() -> None:
    assert money(np.array([123456, 5, 0, -250, -1])).tolist() == ["1234.56", "0.05", "0.00", "-2.50", "-0.01"]


def test_to_cents_rounds_floats() -> None:
    assert to_cents(np.array([1.004, 2.996, 0.1 + 0.2, -3.999])).tolist() == [100, 300, 30, -400]


@pytest.mark.parametrize(
    ("decimals", "expected"),
    [(0, ["2", "-1", "1000000"]), (3, ["1.500", "-0.750", "1000000.000"])],
)
def test_fixed_never_uses_scientific_notation(decimals: int, expected: list[str]) -> None:
    assert fixed(np.array([1.5, -0.75, 1e6]), decimals).tolist() == expected


def test_zfill_and_integers_accept_empty_arrays() -> None:
    assert zfill(np.array([7, 42]), 3).tolist() == ["007", "042"]
    assert zfill(np.array([], dtype=np.int64), 3).tolist() == []
    assert integers(np.array([3.0, 12])).tolist() == ["3", "12"]
