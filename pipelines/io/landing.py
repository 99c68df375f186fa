"""The landing zone: finding deliveries and verifying them against their manifests.

A delivery is `<landing_root>/<sector>/<feed>/dt=YYYY-MM-DD/` with its files and a
`_manifest.json` written last. Verification streams every file once on the driver:
sha256, bytes, data rows, decodability in the contract's encoding and the header
against the contract. Any mismatch rejects the delivery whole.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from pipelines.core.contract import FeedContract
from pipelines.io.storage import Storage, join
from pipelines.settings import Settings

MANIFEST = "_manifest.json"


class DeliveryRejected(Exception):
    """A delivery that does not match its manifest or contract; nothing of it is promoted."""

    def __init__(self, delivery: str, file: str, rule: str, detail: str) -> None:
        self.delivery, self.file, self.rule, self.detail = delivery, file, rule, detail
        super().__init__(f"delivery {delivery} rejected: file {file}: {rule}: {detail}")


class DeliveryIncomplete(Exception):
    """Files are present but the manifest is not (yet)."""


@dataclass(frozen=True)
class VerifiedFile:
    """A delivered file that matched its manifest entry."""

    name: str
    uri: str
    rows: int
    bytes: int
    header: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delivery:
    """A complete, verified delivery of one feed for one business date."""

    sector: str
    feed: str
    dt: str
    uri: str
    manifest: dict[str, Any]
    files: tuple[VerifiedFile, ...] = field(default=())

    @property
    def batch_id(self) -> str:
        """Identifies this delivery's content: re-deliveries of a dt get a new id."""
        digest = hashlib.sha256("".join(f["sha256"] for f in self.manifest["files"]).encode()).hexdigest()
        return f"{self.sector}_{self.feed}_{self.dt}_{digest[:12]}"

    @property
    def rows(self) -> int:
        """Data rows the manifest declares."""
        return sum(f.rows for f in self.files)

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """Header columns beyond the contract, in any file (schema drift)."""
        return tuple(sorted({h for f in self.files for h in f.header} - set(self._known)))

    _known: tuple[str, ...] = ()


def delivery_uri(landing_root: str, sector: str, feed: str, dt: str) -> str:
    """`<landing_root>/<sector>/<feed>/dt=<dt>`."""
    return join(landing_root, sector, feed, f"dt={dt}")


def manifest_exists(storage: Storage, landing_root: str, sector: str, feed: str, dt: str) -> bool:
    """True once the delivery is complete (its manifest was written)."""
    return storage.exists(join(delivery_uri(landing_root, sector, feed, dt), MANIFEST))


def _scan_text(storage: Storage, uri: str, contract: FeedContract) -> tuple[str, int, int, str]:
    """sha256, bytes, lines and first line of a text file, decoding it strictly as it streams."""
    sha, size, lines, last = hashlib.sha256(), 0, 0, b"\n"
    decoder = codecs.getincrementaldecoder(contract.encoding)(errors="strict")
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if uri.endswith(".gz") else None
    first = bytearray()
    for chunk in storage.iter_chunks(uri):
        sha.update(chunk)
        size += len(chunk)
        data = inflate.decompress(chunk) if inflate else chunk
        if not data:
            continue
        decoder.decode(data)  # raises UnicodeDecodeError on bytes outside the encoding
        lines += data.count(b"\n")
        last = data[-1:]
        if len(first) < 65536 and b"\n" not in first:
            first += data[:65536]
    decoder.decode(b"", final=True)
    if size and last != b"\n":
        lines += 1  # a last line without its newline (possibly truncated) is still a row
    header = bytes(first).split(b"\n", 1)[0].decode(contract.encoding).lstrip("\ufeff").rstrip("\r")
    return sha.hexdigest(), size, lines, header


def _verify_text(
    storage: Storage, uri: str, contract: FeedContract, delivery: str, name: str
) -> tuple[str, int, int, tuple[str, ...]]:
    try:
        sha, size, lines, first = _scan_text(storage, uri, contract)
    except (UnicodeDecodeError, EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise DeliveryRejected(delivery, name, "encoding", f"not decodable as {contract.encoding}: {err}") from err
    if not contract.has_header:
        return sha, size, lines, ()
    header = tuple(next(csv.reader([first], delimiter=contract.delimiter))) if first else ()
    return sha, size, max(lines - 1, 0), header


def _verify_parquet(storage: Storage, uri: str) -> tuple[str, int, int, tuple[str, ...]]:
    import pyarrow.parquet as pq

    sha, size = hashlib.sha256(), 0
    buffer = io.BytesIO()
    for chunk in storage.iter_chunks(uri):
        sha.update(chunk)
        size += len(chunk)
        buffer.write(chunk)
    meta = pq.read_metadata(io.BytesIO(buffer.getvalue()))
    return sha.hexdigest(), size, meta.num_rows, tuple(meta.schema.names)


def verify_delivery(storage: Storage, settings: Settings, contract: FeedContract, dt: str) -> Delivery:
    """Check a delivery against its manifest and contract.

    Args:
        storage: where the landing zone lives.
        settings: for the landing root.
        contract: the feed's contract (format, encoding, columns).
        dt: the business date of the delivery.

    Returns:
        The verified delivery.

    Raises:
        DeliveryIncomplete: there is no manifest yet.
        DeliveryRejected: a file is missing, extra, or differs in sha256, bytes, rows,
            encoding or required columns.
    """
    uri = delivery_uri(settings.landing_root, contract.sector, contract.feed, dt)
    if not storage.exists(join(uri, MANIFEST)):
        raise DeliveryIncomplete(f"delivery {uri} has no {MANIFEST} yet")
    manifest = json.loads(storage.read_bytes(join(uri, MANIFEST)))
    listed = {f["name"] for f in manifest["files"]}
    present = {p.rsplit("/", 1)[1] for p in storage.list_files(uri)} - {MANIFEST}
    for name in sorted(present - listed):
        raise DeliveryRejected(uri, name, "unlisted_file", "present but not in the manifest")
    files = []
    for entry in manifest["files"]:
        name = entry["name"]
        if name not in present:
            raise DeliveryRejected(uri, name, "missing_file", "listed in the manifest but not delivered")
        file_uri = join(uri, name)
        if contract.is_text:
            sha, size, rows, header = _verify_text(storage, file_uri, contract, uri, name)
        else:
            try:
                sha, size, rows, header = _verify_parquet(storage, file_uri)
            except (OSError, ValueError) as err:  # pyarrow: bad footer, truncated file
                raise DeliveryRejected(uri, name, "unreadable_parquet", str(err)) from err
        if sha != entry["sha256"]:
            raise DeliveryRejected(uri, name, "checksum_mismatch", f"sha256 {sha} != manifest {entry['sha256']}")
        if "bytes" in entry and size != entry["bytes"]:
            raise DeliveryRejected(uri, name, "size_mismatch", f"{size} bytes != manifest {entry['bytes']}")
        if rows != entry["rows"]:
            raise DeliveryRejected(uri, name, "row_count_mismatch", f"{rows} rows != manifest {entry['rows']}")
        if header or not contract.is_text:
            missing = [c.delivered_name for c in contract.columns if c.delivered_name not in header]
            if missing and rows:
                raise DeliveryRejected(uri, name, "missing_column", f"required columns absent: {missing}")
        files.append(VerifiedFile(name, file_uri, rows, size, header))
    known = tuple(c.delivered_name for c in contract.columns)
    return Delivery(contract.sector, contract.feed, dt, uri, manifest, tuple(files), known)
