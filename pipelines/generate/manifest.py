"""The delivery manifest (`_manifest.json`), written last to mark a delivery complete."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass

from pipelines.generate.calendar import generated_at

MANIFEST_NAME = "_manifest.json"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class FileEntry:
    """One file of a delivery as the manifest lists it."""

    name: str
    rows: int
    bytes: int
    sha256: str


def file_entry(name: str, data: bytes, rows: int) -> FileEntry:
    """The manifest entry of a file's content.

    Args:
        name: file name inside the delivery folder.
        data: the exact bytes written.
        rows: data rows (header excluded).

    Returns:
        The entry with size and SHA-256.
    """
    return FileEntry(name, rows, len(data), hashlib.sha256(data).hexdigest())


def manifest_bytes(sector: str, feed: str, day: dt.date, producer: str, files: list[FileEntry], minute: int) -> bytes:
    """Serialise a manifest; `generated_at` is fixed from the business date, not the clock.

    Args:
        sector, feed, day, producer: identify the delivery.
        files: entries in file order.
        minute: minutes after midnight of the following day when the delivery was produced.

    Returns:
        UTF-8 JSON bytes (indented, keys in contract order).
    """
    doc = {
        "sector": sector,
        "feed": feed,
        "dt": day.isoformat(),
        "schema_version": SCHEMA_VERSION,
        "producer": producer,
        "generated_at": generated_at(day, minute),
        "files": [asdict(f) for f in files],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
