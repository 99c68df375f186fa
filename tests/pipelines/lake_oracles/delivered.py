"""The rows a delivery carries, read straight from the landing zone, minus the rows the
generator's ground truth records as defects (an exact duplicate's first copy is kept)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

TEXT = {"csv": ",", "psv": "|"}


def truth(landing: Path, sector: str, feed: str, dt: str) -> list[dict]:
    """The ground-truth records of a delivery's defective rows (file-level records, such as a
    schema drift, have no row and are left out)."""
    path = landing / "_ground_truth" / sector / feed / f"dt={dt}.jsonl"
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line] if path.exists() else []
    return [r for r in records if r.get("row") is not None]


def _lines(path: Path, encoding: str) -> list[str]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    lines = data.decode(encoding).split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def raw_rows(
    landing: Path, sector: str, feed: str, dt: str, encoding: str = "utf-8"
) -> list[tuple[str, int, dict | None]]:
    """(file, 1-based data row, parsed row or None) of every data row of a delivery."""
    folder = landing / sector / feed / f"dt={dt}"
    rows: list[tuple[str, int, dict | None]] = []
    for path in sorted(p for p in folder.iterdir() if not p.name.startswith("_")):
        if path.name.endswith(".parquet"):
            import pyarrow.parquet as pq

            rows += [(path.name, i, row) for i, row in enumerate(pq.read_table(path).to_pylist(), start=1)]
            continue
        lines = _lines(path, encoding)
        if ".jsonl" in path.name:
            for i, line in enumerate(lines, start=1):
                try:
                    rows.append((path.name, i, json.loads(line)))
                except json.JSONDecodeError:
                    rows.append((path.name, i, None))
            continue
        header = next(csv.reader([lines[0]])) if lines else []
        for i, line in enumerate(lines[1:], start=1):
            fields = next(csv.reader(io.StringIO(line)), [])
            rows.append((path.name, i, dict(zip(header, fields, strict=True)) if len(fields) == len(header) else None))
    return rows


def clean_rows(landing: Path, sector: str, feed: str, dt: str, encoding: str = "utf-8") -> list[dict]:
    """The delivery's rows that carry no recorded defect, as delivered (text values; typed for Parquet)."""
    defective = {(t["file"], t["row"]) for t in truth(landing, sector, feed, dt)}
    return [row for file, i, row in raw_rows(landing, sector, feed, dt, encoding) if (file, i) not in defective and row]


def defect_counts(landing: Path, sector: str, feed: str, dt: str) -> tuple[int, int]:
    """(rows to quarantine, exact duplicates) of a delivery according to the ground truth."""
    records = truth(landing, sector, feed, dt)
    duplicates = sum(1 for t in records if t["defect"] == "exact_duplicate")
    return len(records) - duplicates, duplicates
