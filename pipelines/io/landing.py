"""The landing zone: finding deliveries and verifying them against their manifests.

A delivery is `<landing_root>/<sector>/<feed>/dt=YYYY-MM-DD/` with its files and a
`_manifest.json` written last. Verification streams every file once, in chunks, never
holding a whole file in memory: sha256, bytes, records (`pipelines.io.records`),
strict decoding in the contract's encoding and the header against the contract;
Parquet footers are read with ranged reads. Files are verified in parallel threads.
Any mismatch rejects the delivery whole, naming the file (and the row where there is one).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pipelines.core.contract import FeedContract
from pipelines.io.records import UTF8_BOM, RecordCounter
from pipelines.io.storage import CHUNK, Storage, join
from pipelines.settings import Settings

MANIFEST = "_manifest.json"
MAX_HEADER_BYTES = 1 << 20
WORKERS = 4  # files verified at once: hashing and inflating release the GIL
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class DeliveryRejected(Exception):
    """A delivery that does not match its manifest or contract; nothing of it is promoted."""

    def __init__(self, delivery: str, file: str, rule: str, detail: str, row: int | None = None) -> None:
        self.delivery, self.file, self.rule, self.detail, self.row = delivery, file, rule, detail, row
        where = f"file {file}" + (f" row {row}" if row is not None else "")
        super().__init__(f"delivery {delivery} rejected: {where}: {rule}: {detail}")


class DeliveryIncomplete(Exception):
    """Files are present but the manifest is not (yet)."""


@dataclass(frozen=True)
class VerifiedFile:
    """A delivered file that matched its manifest entry.

    Attributes:
        header: delimited files: the header's column names.
        spans_lines: a text file with records that hold line breaks (quoted fields).
        stamp: size and version token when verified (a later change of either is detected).
        columns: Parquet files: (column, Arrow type) of the file's schema.
        nanos: Parquet files: timestamp columns stored in nanoseconds.
    """

    name: str
    uri: str
    rows: int
    bytes: int
    header: tuple[str, ...] = ()
    spans_lines: bool = False
    stamp: tuple[int, str] = (0, "")
    columns: tuple[tuple[str, str], ...] = ()
    nanos: tuple[str, ...] = ()


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
        names = {h for f in self.files for h in f.header} | {c for f in self.files for c, _ in f.columns}
        return tuple(sorted(names - set(self._known)))

    _known: tuple[str, ...] = ()


def delivery_uri(landing_root: str, sector: str, feed: str, dt: str) -> str:
    """`<landing_root>/<sector>/<feed>/dt=<dt>`."""
    return join(landing_root, sector, feed, f"dt={dt}")


def manifest_exists(storage: Storage, landing_root: str, sector: str, feed: str, dt: str) -> bool:
    """True once the delivery is complete (its manifest was written)."""
    return storage.exists(join(delivery_uri(landing_root, sector, feed, dt), MANIFEST))


def _name(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def read_manifest(storage: Storage, uri: str, contract: FeedContract, dt: str) -> dict[str, Any]:
    """The delivery's manifest, checked for shape: one entry per file, each with rows and sha256.

    Raises:
        DeliveryRejected: not JSON, not the manifest of this delivery, an entry without
            a valid name, rows or sha256, or a file listed twice.
    """

    def bad(detail: str, file: str = MANIFEST, rule: str = "bad_manifest") -> DeliveryRejected:
        return DeliveryRejected(uri, file, rule, detail)

    try:
        manifest = json.loads(storage.read_bytes(join(uri, MANIFEST)).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise bad(f"not a UTF-8 JSON document: {err}") from err
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise bad('not an object with a "files" list')
    expected = {"sector": contract.sector, "feed": contract.feed, "dt": dt}
    for key, value in expected.items():
        if key in manifest and manifest[key] != value:
            raise bad(f"{key} is {manifest[key]!r}, this delivery is {value!r}", rule="manifest_mismatch")
    seen: set[str] = set()
    for number, entry in enumerate(manifest["files"], start=1):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or "/" in name or "\\" in name or name in (".", "..", MANIFEST):
            raise bad(f"entry {number} has no valid file name: {entry!r}")
        if name in seen:
            raise bad("listed twice in the manifest", file=name, rule="duplicate_entry")
        seen.add(name)
        for key in ("rows", "bytes") if "bytes" in entry else ("rows",):
            if not _is_count(entry.get(key)):
                raise bad(f"{key} must be a count (a non-negative integer), got {entry.get(key)!r}", file=name)
        if not isinstance(entry.get("sha256"), str) or not SHA256.match(entry["sha256"]):
            raise bad(f"sha256 must be 64 lowercase hex digits, got {entry.get('sha256')!r}", file=name)
    return manifest


def _gunzip(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Inflate a gzip stream of one or more members, in pieces of at most CHUNK bytes.

    Raises:
        zlib.error: not gzip, a corrupt member or a checksum that does not match.
        EOFError: the stream ends inside a member (truncated).
    """
    inflate, fed = zlib.decompressobj(16 + zlib.MAX_WBITS), False
    for chunk in chunks:
        data = chunk
        while data:
            fed = True
            piece = inflate.decompress(data, CHUNK)
            data = inflate.unconsumed_tail
            while piece:
                yield piece
                # all input taken but the output buffer was full: more may be held back
                piece = inflate.decompress(b"", CHUNK) if not data and not inflate.eof else b""
            if inflate.eof:  # a member ended: what follows is the next member
                data, inflate, fed = inflate.unused_data, zlib.decompressobj(16 + zlib.MAX_WBITS), False
    if fed and not inflate.eof:
        raise EOFError("the gzip stream ends inside a member (truncated file)")


def _skip_bom(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """The pieces of a text without a leading UTF-8 byte-order mark."""
    lead = b""
    for piece in pieces:
        lead += piece
        if len(lead) >= len(UTF8_BOM):
            break
    if lead:
        yield lead.removeprefix(UTF8_BOM)
    yield from pieces


def _row_of(counter: RecordCounter, before: bytes, contract: FeedContract) -> int | None:
    """The data row (1-based) holding the byte that ends `before`; None in the header."""
    row = counter.records_before(before) - (1 if contract.has_header else 0)
    return row if row > 0 else None


@dataclass
class _TextScan:
    sha: str
    size: int
    records: RecordCounter
    head: bytes


def _scan_text(storage: Storage, uri: str, contract: FeedContract, delivery: str, name: str) -> _TextScan:
    """One streaming pass: sha256 and size of the bytes, then records and strict decoding of the text."""
    sha, size = hashlib.sha256(), 0
    decoder = codecs.getincrementaldecoder(contract.encoding)(errors="strict")
    counter = RecordCounter(quotes=contract.has_header)
    head = bytearray()
    strip_bom = codecs.lookup(contract.encoding).name == "utf-8"

    def raw() -> Iterator[bytes]:
        nonlocal size
        for chunk in storage.iter_chunks(uri):
            sha.update(chunk)
            size += len(chunk)
            yield chunk

    def consume(data: bytes) -> None:
        pending = len(decoder.getstate()[0])  # bytes of a character begun in the previous piece
        try:
            decoder.decode(data)
        except UnicodeDecodeError as err:
            at = max(0, err.start - pending)
            raise DeliveryRejected(
                delivery,
                name,
                "encoding",
                f"not decodable as {contract.encoding}: {err.reason} (byte {counter.offset + at} of the text)",
                row=_row_of(counter, data[: at + 1], contract),
            ) from err
        if counter.first_end < 0 and len(head) < MAX_HEADER_BYTES:
            head.extend(data[: MAX_HEADER_BYTES - len(head)])
        counter.feed(data)

    text = _gunzip(raw()) if uri.endswith(".gz") else raw()
    try:
        for data in _skip_bom(text) if strip_bom else text:
            consume(data)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            raise DeliveryRejected(
                delivery, name, "encoding", f"not decodable as {contract.encoding}: the file ends inside a character"
            ) from err
    except (EOFError, zlib.error) as err:
        raise DeliveryRejected(delivery, name, "unreadable_gzip", str(err)) from err
    counter.finish()
    return _TextScan(sha.hexdigest(), size, counter, bytes(head))


def _header(scan: _TextScan, contract: FeedContract, delivery: str, name: str) -> tuple[str, ...]:
    """The column names of the first record (a header may be quoted like any record)."""
    if scan.records.first_end < 0:
        return ()
    if scan.records.first_end > len(scan.head):
        raise DeliveryRejected(delivery, name, "bad_header", f"the header is longer than {MAX_HEADER_BYTES} bytes")
    lines = scan.head[: scan.records.first_end].decode(contract.encoding).split("\n")
    while lines and lines[0] in ("", "\r"):  # blank lines before the header are no records
        lines.pop(0)
    text = "\n".join(lines).removesuffix("\n").removesuffix("\r")
    return tuple(next(csv.reader([text], delimiter=contract.delimiter, strict=True), []))


PARQUET_TYPES = {
    "string": ("string", "large_string", "string_view"),
    "int": ("integer",),
    "bigint": ("integer",),
    "double": ("floating", "integer"),
    "float": ("floating", "integer"),
    "timestamp": ("timestamp",),
    "date": ("date",),
    "boolean": ("boolean",),
    "decimal": ("decimal", "integer"),
}


def _family(arrow_type: Any) -> str:
    import pyarrow.types as t

    if t.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    checks = {
        "string": t.is_string,
        "large_string": t.is_large_string,
        "string_view": getattr(t, "is_string_view", lambda _: False),
        "integer": t.is_integer,
        "floating": t.is_floating,
        "timestamp": t.is_timestamp,
        "date": t.is_date,
        "boolean": t.is_boolean,
        "decimal": t.is_decimal,
    }
    return next((family for family, check in checks.items() if check(arrow_type)), str(arrow_type))


def _scan_parquet(
    storage: Storage, uri: str, contract: FeedContract, delivery: str, name: str
) -> tuple[str, int, int, tuple[tuple[str, str], ...], tuple[str, ...]]:
    """sha256 and size streamed in chunks; rows and schema from the footer, read with ranged reads."""
    import pyarrow.parquet as pq

    sha, size = hashlib.sha256(), 0
    for chunk in storage.iter_chunks(uri):
        sha.update(chunk)
        size += len(chunk)
    try:
        with storage.open(uri) as handle:
            meta = pq.read_metadata(handle)
            schema = meta.schema.to_arrow_schema()
    except (OSError, ValueError) as err:  # pyarrow: not Parquet, bad footer, truncated file
        raise DeliveryRejected(delivery, name, "unreadable_parquet", str(err)) from err
    leaves = {meta.schema.column(i).path: meta.schema.column(i) for i in range(meta.num_columns)}
    nanos = tuple(
        f.name
        for f in schema
        if f.name in leaves and "timeUnit=nanoseconds" in str(leaves[f.name].logical_type).replace(" ", "")
    )
    for column in contract.columns:
        found = schema.field(column.delivered_name) if column.delivered_name in schema.names else None
        accepted = PARQUET_TYPES.get(column.type.split("(")[0], ())
        if found is not None and _family(found.type) not in accepted:
            raise DeliveryRejected(
                delivery,
                name,
                "wrong_type",
                f"column {column.delivered_name} is {found.type} in the file; the contract needs {column.type}",
            )
    columns = tuple((f.name, str(f.type)) for f in schema)
    return sha.hexdigest(), size, meta.num_rows, columns, nanos


@dataclass(frozen=True)
class _Scanned:
    """What one pass over a file found."""

    sha: str
    size: int
    rows: int
    header: tuple[str, ...] = ()
    spans_lines: bool = False
    first_spanning_row: int = 0  # text: the first data row holding a line break inside quotes
    columns: tuple[tuple[str, str], ...] = ()
    nanos: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.header or tuple(c for c, _ in self.columns)


def _scan_file(storage: Storage, uri: str, contract: FeedContract, delivery: str, name: str) -> _Scanned:
    if not contract.is_text:
        sha, size, rows, columns, nanos = _scan_parquet(storage, uri, contract, delivery, name)
        return _Scanned(sha, size, rows, columns=columns, nanos=nanos)
    scan = _scan_text(storage, uri, contract, delivery, name)
    header_rows = 1 if contract.has_header else 0
    return _Scanned(
        scan.sha,
        scan.size,
        max(scan.records.records - header_rows, 0),
        _header(scan, contract, delivery, name) if contract.has_header else (),
        scan.records.spans_lines,
        max(scan.records.first_spanning - header_rows, 0),
    )


def _verify_file(storage: Storage, contract: FeedContract, delivery: str, entry: dict[str, Any]) -> VerifiedFile:
    """Scan one listed file and hold it against its manifest entry and the contract."""
    name = entry["name"]
    uri = join(delivery, name)
    stamp = storage.stat(uri)
    if "bytes" in entry and stamp[0] != entry["bytes"]:
        raise DeliveryRejected(delivery, name, "size_mismatch", f"{stamp[0]} bytes != manifest {entry['bytes']}")
    found = _scan_file(storage, uri, contract, delivery, name)
    if found.size != stamp[0] or storage.stat(uri) != stamp:
        raise DeliveryRejected(delivery, name, "changed_during_verification", "the file was rewritten while read")
    if found.sha != entry["sha256"]:
        raise DeliveryRejected(delivery, name, "checksum_mismatch", f"sha256 {found.sha} != manifest {entry['sha256']}")
    if found.rows != entry["rows"]:
        detail, row = f"{found.rows} rows != manifest {entry['rows']}", found.first_spanning_row or None
        if row:  # the likeliest cause: an unbalanced quote that runs over the line breaks after it
            detail += f"; from row {row} on, a record runs over line breaks inside quotes (an unbalanced quote?)"
        raise DeliveryRejected(delivery, name, "row_count_mismatch", detail, row=row)
    if (contract.has_header and found.rows) or not contract.is_text:
        missing = [c.delivered_name for c in contract.columns if c.delivered_name not in found.names]
        if missing:
            raise DeliveryRejected(delivery, name, "missing_column", f"required columns absent: {missing}")
        repeated = sorted({h for h in found.names if found.names.count(h) > 1})
        if repeated:
            raise DeliveryRejected(delivery, name, "bad_header", f"columns named twice: {repeated}")
    return VerifiedFile(
        name, uri, found.rows, found.size, found.header, found.spans_lines, stamp, found.columns, found.nanos
    )


def _listing(storage: Storage, uri: str) -> tuple[set[str], list[str]]:
    """File names of a delivery folder (manifest excluded) and its sub-folders."""
    files = {_name(p) for p in storage.list_files(uri)} - {MANIFEST}
    return files, sorted(_name(p) for p in storage.list_dirs(uri))


def verify_delivery(
    storage: Storage, settings: Settings, contract: FeedContract, dt: str, workers: int = WORKERS
) -> Delivery:
    """Check a delivery against its manifest and contract.

    Args:
        storage: where the landing zone lives.
        settings: for the landing root.
        contract: the feed's contract (format, encoding, columns).
        dt: the business date of the delivery.
        workers: files verified at once (1: one after the other; the outcome is the same).

    Returns:
        The verified delivery.

    Raises:
        DeliveryIncomplete: there is no manifest yet.
        DeliveryRejected: a bad manifest; a file missing, extra, listed twice, or differing
            in sha256, bytes, rows, encoding, required columns or column types. When several
            files are bad, the first of the manifest's order is named.
    """
    uri = delivery_uri(settings.landing_root, contract.sector, contract.feed, dt)
    if not storage.exists(join(uri, MANIFEST)):
        waiting = len(_listing(storage, uri)[0])
        raise DeliveryIncomplete(
            f"delivery {uri} has no {MANIFEST} yet ({waiting} files present): not ingested until it is complete"
        )
    manifest = read_manifest(storage, uri, contract, dt)
    present, folders = _listing(storage, uri)
    if folders:
        raise DeliveryRejected(uri, folders[0] + "/", "unexpected_folder", "a delivery is one folder of files")
    listed = [e["name"] for e in manifest["files"]]
    for name in sorted(present - set(listed)):
        if name.lower().startswith("_manifest"):
            raise DeliveryRejected(uri, name, "second_manifest", f"a delivery has one manifest, {MANIFEST}")
        raise DeliveryRejected(uri, name, "unlisted_file", "present but not in the manifest (added after it?)")
    for name in listed:
        if name not in present:
            raise DeliveryRejected(uri, name, "missing_file", "listed in the manifest but not delivered")
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(listed) or 1))) as pool:
        futures = [pool.submit(_verify_file, storage, contract, uri, e) for e in manifest["files"]]
        try:
            files = [f.result() for f in futures]  # in manifest order: the first bad file is named
        finally:
            for f in futures:
                f.cancel()
    known = tuple(c.delivered_name for c in contract.columns)
    return Delivery(contract.sector, contract.feed, dt, uri, manifest, tuple(files), known)


def recheck_delivery(storage: Storage, delivery: Delivery) -> None:
    """Check that a verified delivery is still what was verified (after Spark read it).

    Raises:
        DeliveryRejected: a file was added, removed or rewritten since verification.
    """
    present, _ = _listing(storage, delivery.uri)
    for name in sorted(present - {f.name for f in delivery.files}):
        raise DeliveryRejected(delivery.uri, name, "changed_after_verification", "added after the manifest was read")
    for f in delivery.files:
        now = storage.stat(f.uri) if f.name in present else None
        if now != f.stamp:
            what = "removed" if now is None else f"rewritten ({f.stamp[0]} -> {now[0]} bytes)"
            raise DeliveryRejected(delivery.uri, f.name, "changed_after_verification", f"{what} while it was ingested")
