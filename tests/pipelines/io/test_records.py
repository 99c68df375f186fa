"""Record counting on the driver (`pipelines.io.records`): property-based, no Spark.

The counter must give the records a CSV writer wrote (RFC 4180 quoting of delimiters,
quotes and line breaks; LF or CRLF; trailing blank lines), and the same count however
the bytes are cut into chunks, as a byte-by-byte reading of the same rules does.
"""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from pipelines.io.records import CR, NL, QUOTE, RecordCounter
from tests.pipelines.io.kit import rfc4180

FIELD = st.lists(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(['"', ",", "\n", "\r\n", "\r", '""'])),
    max_size=8,
).map("".join)
RECORDS = st.lists(st.lists(FIELD, min_size=1, max_size=4), max_size=12)


def _count(data: bytes, cuts: list[int], quotes: bool = True) -> RecordCounter:
    counter = RecordCounter(quotes=quotes)
    start = 0
    for cut in sorted({c % (len(data) + 1) for c in cuts}) + [len(data)]:
        counter.feed(data[start:cut])
        start = cut
    counter.finish()
    return counter


def _reference(data: bytes, quotes: bool) -> int:
    """The rules read byte by byte: a LF outside quotes ends a record unless the record is a blank line."""
    records, in_quotes, line, record_lines = 0, False, b"", 0
    for byte in data:
        if quotes and byte == QUOTE:
            in_quotes = not in_quotes
        if byte == NL and not in_quotes:
            if not (record_lines == 0 and line in (b"", bytes([CR]))):
                records += 1
            line, record_lines = b"", 0
        elif byte == NL:
            line, record_lines = b"", record_lines + 1
        else:
            line += bytes([byte])
    if record_lines or line not in (b"", bytes([CR])):
        records += 1
    return records


@given(RECORDS, st.booleans(), st.integers(0, 3), st.lists(st.integers(0, 10_000), max_size=6))
def test_counts_the_records_a_csv_writer_wrote(records, crlf: bool, blank_tail: int, cuts) -> None:
    terminator = "\r\n" if crlf else "\n"
    rows = records  # (a lone empty field is written as `""`: a record, not a blank line)
    out = io.StringIO()
    for row in rows:
        out.write(rfc4180(row, ",").removesuffix("\r\n") + terminator)
    data = (out.getvalue() + terminator * blank_tail).encode("utf-8")
    counter = _count(data, cuts)
    assert counter.records == len(rows)
    assert counter.spans_lines == any("\n" in f or "\r\n" in f for r in rows for f in r)


@given(
    st.binary(max_size=200).map(lambda b: b.replace(b"\x00", b'"')),
    st.booleans(),
    st.lists(st.integers(0, 300), max_size=8),
)
def test_any_bytes_any_chunking_give_the_byte_by_byte_count(data: bytes, quotes: bool, cuts) -> None:
    assert _count(data, cuts, quotes).records == _reference(data, quotes)
