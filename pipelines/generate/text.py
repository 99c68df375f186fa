"""Vectorised text formatting of values as the feed contracts write them."""

from __future__ import annotations

import numpy as np


def zfill(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded strings of integers (`np.char.zfill` that also accepts empty arrays)."""
    text = np.asarray(values).astype(str)
    return np.char.zfill(text, width) if len(text) else text


def money(cents: np.ndarray) -> np.ndarray:
    """Two-decimal CNY strings from integer cents, e.g. 123456 -> "1234.56"."""
    cents = np.asarray(cents, dtype=np.int64)
    sign = np.where(cents < 0, "-", "")
    magnitude = np.abs(cents)
    whole = (magnitude // 100).astype(str)
    frac = zfill(magnitude % 100, 2)
    return np.char.add(np.char.add(np.char.add(sign, whole), "."), frac)


def to_cents(amount: np.ndarray) -> np.ndarray:
    """Round CNY floats to integer cents."""
    return np.round(np.asarray(amount, dtype=float) * 100.0).astype(np.int64)


def fixed(values: np.ndarray, decimals: int) -> np.ndarray:
    """Numbers with a fixed number of decimals (no scientific notation)."""
    scaled = np.round(np.asarray(values, dtype=float) * 10**decimals).astype(np.int64)
    sign = np.where(scaled < 0, "-", "")
    magnitude = np.abs(scaled)
    whole = (magnitude // 10**decimals).astype(str)
    if decimals == 0:
        return np.char.add(sign, whole)
    frac = zfill(magnitude % 10**decimals, decimals)
    return np.char.add(np.char.add(np.char.add(sign, whole), "."), frac)


def integers(values: np.ndarray) -> np.ndarray:
    """Integers as decimal strings."""
    return np.asarray(values, dtype=np.int64).astype(str)
