"""Write one delivery: its files, its manifest (last) and its ground truth.

Delivery-level defects are requested as `DeliveryDefect`s and applied here:
`missing_manifest`, `checksum_mismatch`, `row_count_mismatch`, `missing_column`,
`undecodable_gbk` (GBK feeds only), `truncated_file`, `empty_delivery`, and
`schema_drift` (which also happens at random with the row-defect rate).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from pipelines.generate.defects import Spoil
from pipelines.generate.encode import EncodedFile, FileChanges, encode
from pipelines.generate.feeds.base import Chunk, DayContext, Feed, FeedSpec
from pipelines.generate.manifest import MANIFEST_NAME, FileEntry, file_entry, manifest_bytes
from pipelines.generate.rand import rng_for
from pipelines.generate.sink import Sink
from pipelines.generate.truth import DeliveryTruth
from pipelines.generate.world import World

DELIVERY_KINDS = (
    "missing_manifest",
    "checksum_mismatch",
    "row_count_mismatch",
    "missing_column",
    "undecodable_gbk",
    "truncated_file",
    "empty_delivery",
    "schema_drift",
)


@dataclass(frozen=True)
class DeliveryOptions:
    """How to make one delivery."""

    defect_rate: float
    delivery_defects: frozenset[str]  # kinds from DELIVERY_KINDS
    progress: Callable[[str], None] | None = None


@dataclass
class DeliveryResult:
    """What a delivery produced (for the report)."""

    truth: DeliveryTruth
    files: list[FileEntry]
    seconds: float


def _empty_chunk(feed: Feed) -> Chunk:
    """A chunk with no rows (an empty delivery still has one file with its header or schema)."""
    if feed.spec.schema is not None:
        return Chunk(table=feed.spec.schema.empty_table())
    return Chunk(columns={c: np.array([], dtype=str) for c in feed.spec.columns})


def _file_changes(feed: Feed, kinds: frozenset[str], index: int, last: bool, drift_part: int) -> FileChanges:
    """File-level changes for the part `index` (first part gets most, the last is truncated)."""
    return FileChanges(
        drift=index == drift_part,
        drop_column=feed.spec.columns[1] if ("missing_column" in kinds and index == 0) else None,
        truncate="truncated_file" in kinds and last,
        undecodable="undecodable_gbk" in kinds and index == 0,
    )


def _lookahead(chunks: Iterator[Chunk]) -> Iterator[tuple[Chunk, bool]]:
    """Pair each chunk with whether it is the last one."""
    previous = next(chunks, None)
    if previous is None:
        return
    for chunk in chunks:
        yield previous, False
        previous = chunk
    yield previous, True


def write_delivery(
    sink: Sink, truth_sink: Sink, world: World, feed: Feed, ctx: DayContext, options: DeliveryOptions
) -> DeliveryResult:
    """Generate, encode and write one delivery, then its manifest and truth.

    Args:
        sink: landing location.
        truth_sink: ground-truth location.
        world: the world.
        feed: which feed.
        ctx: the day and seed.
        options: defect rate, requested delivery-level defects, progress callback.

    Returns:
        The truth, manifest entries and time taken.
    """
    began = time.perf_counter()
    spec, day, kinds = feed.spec, ctx.day, options.delivery_defects
    if "undecodable_gbk" in kinds and spec.encoding != "gbk":
        raise ValueError(f"undecodable_gbk only applies to GBK feeds, not {spec.name}")
    folder = f"{spec.sector}/{spec.feed}/dt={day.isoformat()}/"
    _clear(sink, folder)
    rng = rng_for(ctx.seed, spec.name, day.isoformat())
    spoil = Spoil(rng, day)
    drift_forced = "schema_drift" in kinds
    drift_random = options.defect_rate > 0 and rng.random() < min(1.0, 3 * options.defect_rate)
    truth = DeliveryTruth(spec.sector, spec.feed, day)
    chunks = iter([_empty_chunk(feed)]) if "empty_delivery" in kinds else feed.make(world, ctx)
    rate = 0.0 if "empty_delivery" in kinds else options.defect_rate
    files: list[FileEntry] = []
    for index, (chunk, last) in enumerate(_lookahead(chunks)):
        name = f"part-{index:05d}.{spec.ext}" + (".gz" if chunk.gzip else "")
        changes = _file_changes(feed, kinds, index, last, 0 if (drift_forced or drift_random) else -1)
        encoded = encode(spec, chunk, rate, spoil, changes)
        sink.put(folder + name, encoded.data)
        files.append(file_entry(name, encoded.data, encoded.rows))
        _record_file(truth, spec, name, encoded, changes)
        if options.progress:
            options.progress(f"{spec.name} dt={day} {name}: {encoded.rows} rows")
    if "empty_delivery" in kinds:
        truth.add(None, None, "empty_delivery", "zero data rows, valid manifest")
    files_for_manifest = _spoil_manifest(files, kinds, truth)
    truth.behaviour = dict(ctx.behaviour)
    if "missing_manifest" in kinds:
        truth.manifest_written = False
        truth.add(None, None, "missing_manifest", "files written, no _manifest.json")
    else:
        sink.put(
            folder + MANIFEST_NAME,
            manifest_bytes(spec.sector, spec.feed, day, spec.producer, files_for_manifest, _manifest_minute(spec.name)),
        )
    truth.write(truth_sink)
    return DeliveryResult(truth, files, time.perf_counter() - began)


def _clear(sink: Sink, folder: str) -> None:
    """Remove an earlier delivery of the same day: manifest first, so it reads as incomplete."""
    sink.delete(folder + MANIFEST_NAME)
    for key in sink.list(folder):
        sink.delete(key)


def _record_file(truth: DeliveryTruth, spec: FeedSpec, name: str, encoded: EncodedFile, changes: FileChanges) -> None:
    """Add a file's rows and defects (plus its file-level changes) to the truth."""
    truth.rows_per_file[name] = encoded.rows
    for row, kind, detail in encoded.defects:
        truth.add(name, row, kind, detail)
    if changes.drift:
        truth.add(name, None, "schema_drift", f"extra column {spec.drift_column[0]}")
    if changes.drop_column:
        label = dict(zip(spec.columns, spec.header or spec.columns, strict=True))[changes.drop_column]
        truth.add(name, None, "missing_column", f"required column {label} absent")


def _spoil_manifest(files: list[FileEntry], kinds: frozenset[str], truth: DeliveryTruth) -> list[FileEntry]:
    """Manifest entries, with a wrong checksum or row count when asked."""
    out = list(files)
    if "checksum_mismatch" in kinds and out:
        wrong = hashlib.sha256(out[0].sha256.encode()).hexdigest()
        out[0] = replace(out[0], sha256=wrong)
        truth.add(out[0].name, None, "checksum_mismatch", "manifest sha256 differs from the file")
    if "row_count_mismatch" in kinds and out:
        out[0] = replace(out[0], rows=out[0].rows + 7)
        truth.add(
            out[0].name, None, "row_count_mismatch", f"manifest says {out[0].rows} rows, file has {files[0].rows}"
        )
    return out


def _manifest_minute(name: str) -> int:
    """A stable production time per feed (minutes after midnight of the next day)."""
    return 30 + sum(name.encode()) % 240


def parse_delivery_defects(requests: list[str] | tuple[str, ...]) -> dict[tuple[str, dt.date | None], set[str]]:
    """Parse `sector/feed:kind[@YYYY-MM-DD]` requests.

    Args:
        requests: e.g. ("tax/returns:checksum_mismatch", "energy/readings:missing_manifest@2026-11-02").

    Returns:
        (feed name, day or None for every day) -> kinds.

    Raises:
        ValueError: for an unknown kind or a malformed request.
    """
    out: dict[tuple[str, dt.date | None], set[str]] = {}
    for request in requests:
        target, sep, kind = request.partition(":")
        kind, _, day_text = kind.partition("@")
        if not sep or "/" not in target or kind not in DELIVERY_KINDS:
            raise ValueError(f"bad delivery defect {request!r}: use sector/feed:kind, kind in {DELIVERY_KINDS}")
        day = dt.date.fromisoformat(day_text) if day_text else None
        out.setdefault((target, day), set()).add(kind)
    return out
