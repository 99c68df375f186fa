"""Turn a chunk into the bytes of one file, injecting the planned defects.

Text feeds: text columns -> (row defects on cells) -> lines -> (row defects on lines)
-> header + lines -> encoded bytes. Parquet: typed table -> (row defects) -> snappy
parquet. File-level changes (schema drift, a missing column, a truncated last line,
bytes that are not GBK) are applied here too, on request of the delivery.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.generate.defects import Columns, Injection, Recipe, Spoil, pick_recipe, plan
from pipelines.generate.feeds.base import Chunk, FeedSpec


@dataclass(frozen=True)
class FileChanges:
    """File-level changes requested by the delivery for one file."""

    drift: bool = False
    drop_column: str | None = None
    truncate: bool = False
    undecodable: bool = False


@dataclass
class EncodedFile:
    """One file's bytes and what was injected into it.

    Attributes:
        data: the file content.
        rows: data rows (header excluded), as a reader would count them.
        defects: (1-based row or None, kind, detail) for every injected defect.
    """

    data: bytes
    rows: int
    defects: list[tuple[int | None, str, str]] = field(default_factory=list)


def _kinds(spec: FeedSpec, fmt_ok: str) -> list[str]:
    """Defect kinds this feed can carry for the given recipe type ("cell/line" or "table")."""
    kinds = [
        k for k, recipes in spec.recipes.items() if any((r.table is not None) == (fmt_ok == "table") for r in recipes)
    ]
    return kinds + ["exact_duplicate"]


def _spoil_cells(
    spec: FeedSpec, columns: Columns, inj: Injection, spoil: Spoil
) -> tuple[Columns, dict[int, tuple[str, str]], dict[int, tuple[str, Recipe]]]:
    """Lay out the rows (copies inserted), give clones fresh keys and apply cell recipes.

    Returns:
        The output columns, (kind, detail) per spoiled row, and the rows whose
        recipe works on the rendered line (applied later by `_spoil_lines`).
    """
    columns = {k: v[inj.order] for k, v in columns.items()}
    if len(inj.clones) and spec.clone_key is not None:
        spec.clone_key(columns, inj.clones, spoil.rng)
    done: dict[int, tuple[str, str]] = {}
    pending: dict[int, tuple[str, Recipe]] = {}
    for row, kind in sorted(inj.kinds.items()):
        if kind == "exact_duplicate":
            done[row] = (kind, "copy of an earlier row")
            continue
        recipe = pick_recipe(spec.recipes[kind], spoil.rng)
        if recipe.cell is not None:
            done[row] = (kind, recipe.cell(columns, row, spoil))
        else:
            pending[row] = (kind, recipe)
    return columns, done, pending


def _spoil_lines(
    lines: pa.Array, pending: dict[int, tuple[str, Recipe]], spoil: Spoil
) -> tuple[pa.Array, dict[int, tuple[str, str]]]:
    """Apply line recipes to the rendered lines of the pending rows."""
    if not pending:
        return lines, {}
    rows = sorted(pending)
    done: dict[int, tuple[str, str]] = {}
    new: list[str] = []
    for row, text in zip(rows, lines.take(pa.array(rows)).to_pylist(), strict=True):
        kind, recipe = pending[row]
        assert recipe.line is not None  # only line recipes are pending here
        changed, detail = recipe.line(text, spoil)
        new.append(changed)
        done[row] = (kind, detail)
    mask = np.zeros(len(lines), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(lines, pa.array(mask), pa.array(new, pa.string())), done


def _quote_csv(values: pa.Array, delimiter: str) -> pa.Array:
    """RFC 4180 quoting where a value holds the delimiter, a quote or a line break."""
    needs = pc.match_substring_regex(values, "[" + re.escape(delimiter) + '"\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, values)


def _json_values(values: pa.Array, numeric: bool) -> pa.Array:
    """JSON value text: numbers bare, strings quoted and escaped, "" as null."""
    if not numeric:
        escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
        values = pc.binary_join_element_wise('"', escaped, '"', "")
    return pc.if_else(
        pc.equal(pc.binary_length(values), 0) if numeric else pc.equal(values, '""'), pa.scalar("null"), values
    )


def render_lines(spec: FeedSpec, columns: Columns, names: list[str]) -> pa.Array:
    """One text line per row (no line terminator), in `names` order."""
    arrays = {n: pa.array(columns[n], type=pa.string()) for n in names}
    if spec.fmt == "jsonl":
        parts: list = []
        for k, n in enumerate(names):
            parts += [("{" if k == 0 else ",") + f'"{n}":', _json_values(arrays[n], n in spec.numeric)]
        return pc.binary_join_element_wise(*parts, "}", "")
    return pc.binary_join_element_wise(*(_quote_csv(arrays[n], spec.delimiter) for n in names), spec.delimiter)


def _header(spec: FeedSpec, names: list[str]) -> str | None:
    """The header line (CSV only), with the contract's header names where they differ."""
    if spec.fmt == "jsonl":
        return None
    labels = dict(zip(spec.columns, spec.header or spec.columns, strict=True))
    return spec.delimiter.join(labels.get(n, n) for n in names)


def _join(lines: pa.Array) -> str:
    """All lines joined by LF, with a final LF."""
    if len(lines) == 0:
        return ""
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(lines)], pa.int32()), lines), "\n")
    return joined[0].as_py() + "\n"


def encode_text(spec: FeedSpec, chunk: Chunk, rate: float, spoil: Spoil, changes: FileChanges) -> EncodedFile:
    """Encode a text chunk into one file.

    Args:
        spec: the feed contract.
        chunk: clean text columns.
        rate: row-defect rate.
        spoil: random source and delivery date for the recipes.
        changes: file-level changes requested by the delivery.

    Returns:
        The file bytes, its row count and the injected defects.
    """
    assert chunk.columns is not None
    inj = plan(chunk.num_rows, rate, _kinds(spec, "text"), spoil.rng, clone=spec.clone_key is not None)
    columns, done, pending = _spoil_cells(spec, chunk.columns, inj, spoil)
    names = [c for c in spec.columns if c != changes.drop_column]
    if changes.drift:
        drift_name, drift_value = spec.drift_column
        columns[drift_name] = np.full(len(inj.order), drift_value)
        names.append(drift_name)
    lines = render_lines(spec, columns, names) if len(inj.order) else pa.array([], pa.string())
    lines, done_on_lines = _spoil_lines(lines, pending, spoil)
    defects: list[tuple[int | None, str, str]] = [
        (row + 1, kind, detail) for row, (kind, detail) in sorted({**done, **done_on_lines}.items())
    ]
    text = _join(lines)
    header = _header(spec, names)
    if changes.truncate and len(lines):
        text, cut_detail = _truncate_last_line(text)
        defects = [d for d in defects if d[0] != len(lines)]
        defects.append((None, "truncated_file", cut_detail.format(row=len(lines))))
    data = ((header + "\n") if header is not None else "") + text
    encoded = data.encode(spec.encoding)
    if changes.undecodable:
        encoded, detail = _break_encoding(encoded, header)
        defects.append((None, "undecodable_gbk", detail))
    if chunk.gzip:
        encoded = gzip.compress(encoded, compresslevel=6, mtime=0)  # mtime 0: same bytes on every run
    return EncodedFile(encoded, len(lines), defects)


def _truncate_last_line(text: str) -> tuple[str, str]:
    """Cut the last line in its first half (no final line break)."""
    body = text[:-1]
    start = body.rfind("\n") + 1
    last = body[start:]
    cut = max(1, len(last) // 2)
    return body[:start] + last[:cut], f"last row ({{row}}) cut after {cut} of {len(last)} characters"


def _break_encoding(encoded: bytes, header: str | None) -> tuple[bytes, str]:
    """Put a byte that no GBK decoder accepts into the first data row."""
    offset = encoded.find(b"\n") + 1 if header is not None else 0
    position = offset + 1
    return encoded[:position] + b"\xff" + encoded[position:], "byte 0xFF in the first data row is not GBK"


def encode_parquet(spec: FeedSpec, chunk: Chunk, rate: float, spoil: Spoil, changes: FileChanges) -> EncodedFile:
    """Encode a typed chunk into one snappy parquet file, with defects as for text."""
    assert chunk.table is not None
    table = chunk.table
    inj = plan(table.num_rows, rate, _kinds(spec, "table"), spoil.rng, clone=False)
    table = table.take(pa.array(inj.order))
    defects: list[tuple[int | None, str, str]] = []
    by_kind: dict[str, list[int]] = {}
    for row, kind in inj.kinds.items():
        by_kind.setdefault(kind, []).append(row)
    for kind, rows in sorted(by_kind.items()):
        positions = np.array(sorted(rows))
        if kind == "exact_duplicate":
            defects += [(int(r) + 1, kind, "copy of an earlier row") for r in positions]
            continue
        recipe = pick_recipe(spec.recipes[kind], spoil.rng)
        assert recipe.table is not None  # Parquet kinds have table recipes (`kinds_for`)
        table, detail = recipe.table(table, positions, spoil)
        defects += [(int(r) + 1, kind, detail) for r in positions]
    if changes.drop_column:
        table = table.drop_columns([changes.drop_column])
    if changes.drift:
        drift_name, drift_value = spec.drift_column
        table = table.append_column(drift_name, pa.array(np.full(table.num_rows, drift_value), pa.string()))
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    data = sink.getvalue()
    if changes.truncate:
        data = data[: len(data) // 2]
        defects.append((None, "truncated_file", "parquet file cut in half: unreadable"))
    return EncodedFile(data, table.num_rows, sorted(defects, key=lambda d: (d[0] is None, d[0] or 0)))


def encode(spec: FeedSpec, chunk: Chunk, rate: float, spoil: Spoil, changes: FileChanges) -> EncodedFile:
    """Encode a chunk with the feed's format (see `encode_text` / `encode_parquet`)."""
    if spec.fmt == "parquet":
        return encode_parquet(spec, chunk, rate, spoil, changes)
    return encode_text(spec, chunk, rate, spoil, changes)
