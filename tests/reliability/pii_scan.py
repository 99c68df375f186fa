"""Looking for personal data where it must not be: lake tables, ops records, Data Docs, Airflow logs.

What to look for comes from outside the pipeline: the clear values of every `pii: true`
contract column, read straight from the delivered files (and any identity number, phone or
plate shape in their raw text, so unparseable rows count too), plus the shapes themselves:
valid identity numbers (check character), mobile numbers, Chinese plates (`pipelines.ids`).
Tokens are 64 hex characters, so no digit run inside one can match.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines import ids, registry
from pipelines.query import read_table
from tests.pipelines.lake_oracles.pii import texts

ID_NO = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9X](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
PLATE = re.compile(
    "[" + "".join(ids.PLATE_PROVINCES) + "][" + ids.PLATE_LETTERS + "][" + ids.PLATE_SERIAL_CHARS + "]{5,6}"
)
CJK = "\u4e00-\u9fff"


@dataclass
class Personal:
    """The personal values a landing zone delivered."""

    values: set[str] = field(default_factory=set)  # identity numbers, phones, plates
    names: set[str] = field(default_factory=set)

    def found_in(self, text: str) -> list[str]:
        """Every personal value in `text`: a delivered one, or anything shaped like one."""
        hits = [m for m in ID_NO.findall(text) if _a_person_s(m)]
        hits += PHONE.findall(text) + PLATE.findall(text) + self._pattern().findall(text)
        return sorted(set(hits))

    def _pattern(self) -> re.Pattern[str]:
        """One alternation of every delivered value; two-character names only standing alone (not inside other Chinese words)."""
        if getattr(self, "_compiled", None) is None:
            long = sorted((v for v in self.values | {n for n in self.names if len(n) > 2}), key=len, reverse=True)
            short = sorted(n for n in self.names if len(n) <= 2)
            parts = [re.escape(v) for v in long]
            if short:
                parts.append(f"(?<![{CJK}])(?:" + "|".join(map(re.escape, short)) + f")(?![{CJK}])")
            self._compiled = re.compile("|".join(parts) or "(?!)")
        return self._compiled


def _a_person_s(code: str) -> bool:
    """True when an 18-character code is shaped like a person's identity number: right check character, real birth date.

    An enterprise's USCC (`9…`, 18 digits) passes the identity check character one time in
    eleven by chance, but its characters 7-14 are rarely a date from 1900 to today. (Telling the
    two apart by the USCC check character instead would miss one identity number in twenty:
    they pass that check too.)
    """
    from datetime import date

    if not ids.is_valid_id_no(code):
        return False
    try:
        born = date.fromisoformat(ids.id_birth_date(code))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _records(path: Path, fmt: str, encoding: str, delimiter: str) -> Iterator[dict[str, Any]]:
    data = path.read_bytes()
    text = (gzip.decompress(data) if path.name.endswith(".gz") else data).decode(encoding, errors="replace")
    if fmt == "jsonl":
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield record
    else:
        yield from csv.DictReader(io.StringIO(text), delimiter=delimiter)


def delivered(landing: Path) -> Personal:
    """The clear personal values of every delivery under `landing` (every sector's `pii: true` columns)."""
    found = Personal()
    for sector in registry.SECTORS.values():
        for feed in sector.feeds:
            contract = feed.contract
            pii = [c for c in contract.columns if c.pii]
            if not pii:
                continue
            for path in sorted((landing / feed.sector / feed.feed).glob("dt=*/part-*")):
                raw = path.read_bytes()
                text = (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode(contract.encoding, "replace")
                found.values |= {m for m in ID_NO.findall(text) if ids.is_valid_id_no(m)}
                found.values |= set(PHONE.findall(text)) | set(PLATE.findall(text))
                for record in _records(path, contract.format, contract.encoding, contract.delimiter):
                    for column in pii:
                        value = str(record.get(column.source or column.name) or "").strip()
                        if value:
                            (found.names if "name" in column.name else found.values).add(value)
    return found


def in_tables(settings: Any, tables: Iterable[tuple[str, str]], personal: Personal) -> list[str]:
    """`layer.table.column: value` for every personal value in the cells of `tables`."""
    out = []
    for layer, table in tables:
        for row in read_table(settings, layer, table):
            for column, value in row.items():
                for text in texts(value):
                    out += [f"{layer}.{table}.{column}: {hit}" for hit in personal.found_in(text)]
    return out


def in_files(files: Iterable[Path], personal: Personal) -> list[str]:
    """`file: value` for every personal value in the text of `files`."""
    out = []
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        out += [f"{path}: {hit}" for hit in personal.found_in(text)]
    return out
