"""Scanning lake tables for personal data: known delivered values and the shapes of identity
numbers, mobile phones and plates (tokens are hex, so a digit run inside one is no match)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from pipelines import ids
from pipelines.query import read_table

ID_NO = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9X](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
PLATE = re.compile(
    "[" + "".join(ids.PLATE_PROVINCES) + "][" + ids.PLATE_LETTERS + "][" + ids.PLATE_SERIAL_CHARS + "]{5,6}"
)


DIGIT_RUN = re.compile(r"[0-9X]{11,}")


def _known_inside(text: str, known: set[str]) -> list[str]:
    """Known phones (11) and identity numbers (18) occurring anywhere inside `text`."""
    hits = []
    for run in DIGIT_RUN.findall(text):
        for width in (11, 18):
            hits += [run[i : i + width] for i in range(len(run) - width + 1) if run[i : i + width] in known]
    return hits


def texts(value: Any) -> Iterator[str]:
    """Every string in a cell: itself, the items of a list, the keys and values of a map (a struct)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from texts(item)


def findings(settings: Any, tables: Iterable[tuple[str, str]], known: set[str], names: set[str]) -> list[str]:
    """Every personal value found in `tables`, as `layer.table.column: value` (empty = clean).

    Args:
        settings: where the lake is.
        tables: (layer, table) pairs to scan.
        known: identity numbers and phones delivered in the feeds (searched inside every text).
        names: person names delivered in the feeds (a cell equal to one is a finding).
    """
    found = []
    for layer, table in tables:
        for row in read_table(settings, layer, table):
            for column, value in row.items():
                for text in texts(value):
                    hits = _known_inside(text, known)
                    hits += [text] if text in names else []
                    hits += [m for m in ID_NO.findall(text) if ids.is_valid_id_no(m) and not ids.is_valid_uscc(m)]
                    hits += PHONE.findall(text) + PLATE.findall(text)
                    found += [f"{layer}.{table}.{column}: {h}" for h in hits]
    return found
