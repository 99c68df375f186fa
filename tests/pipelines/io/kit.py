"""Writing deliveries by hand for tests: files, then the manifest (last), as a producer would."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from pipelines.core.contract import FeedContract
from pipelines.generate.manifest import MANIFEST_NAME, file_entry, manifest_bytes

DT = "2026-11-01"


def folder_of(settings, contract: FeedContract, day: str = DT) -> Path:
    """The delivery folder of `contract` for `day` under the settings' landing root."""
    return Path(settings.landing_root) / contract.sector / contract.feed / f"dt={day}"


def land(
    settings,
    contract: FeedContract,
    files: dict[str, bytes],
    rows: dict[str, int],
    day: str = DT,
    manifest: bool = True,
) -> Path:
    """Write `files` into the delivery folder and, unless told not to, their manifest.

    Args:
        rows: data rows per file as the manifest declares them (records, header excluded).
    """
    folder = folder_of(settings, contract, day)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if manifest:
        entries = [file_entry(name, data, rows[name]) for name, data in files.items()]
        document = manifest_bytes(contract.sector, contract.feed, dt.date.fromisoformat(day), "tests", entries, 60)
        (folder / MANIFEST_NAME).write_bytes(document)
    return folder


def rfc4180(row: list[str], delimiter: str) -> str:
    """One record as RFC 4180 writes it: a field holding the delimiter, a quote, CR or LF is quoted.

    (Python's writer with a LF terminator leaves a lone CR unquoted, which RFC 4180 does not.)
    """
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerow(row)
    return out.getvalue()
