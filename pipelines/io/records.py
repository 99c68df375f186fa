"""What a record is in a delivered text file, counted as the bytes stream past.

The rules, shared by the landing check (here, on the driver) and the Spark reader
(`pipelines.io.readers`), so that both count the same records:

- A record ends at a line feed outside quotes. In CSV and pipe-separated files a quoted
  field may hold line breaks (RFC 4180): a line feed after an odd number of quote
  characters since the record began (`""` counts twice) belongs to the field.
  JSON Lines has no such quoting: every line is a record.
- A blank line (empty, or a lone CR) outside quotes is no record: trailing blank lines,
  blank lines between records and the end of a CRLF file are not rows.
- A last line without its line feed (e.g. a truncated file) is a record.
- A UTF-8 byte-order mark at the start of a file is no content.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NL, CR, QUOTE = 10, 13, 34
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class RecordCounter:
    """Counts records of one text stream fed in chunks; memory is bounded by the chunk size.

    Attributes:
        quotes: quoted fields may hold line breaks (CSV, pipe-separated); False for JSON Lines.
        records: records counted so far (blank lines excluded; a header is a record).
        lines: line feeds seen.
        spans_lines: some record holds a line break inside quotes.
        first_end: offset just past the first record (-1 while there is none).
        first_spanning: the first record (1-based, header included) holding a line break; 0 if none.
        offset: bytes fed so far.
    """

    quotes: bool
    records: int = 0
    lines: int = 0
    spans_lines: bool = False
    first_end: int = -1
    first_spanning: int = 0
    offset: int = 0
    _in_quotes: bool = False  # odd number of quotes since the current record began
    _line_in_quotes: bool = False  # ... at the start of the current line
    _partial: int = 0  # bytes of the current line so far (capped at 2: only 0, 1, many matter)
    _partial_cr: bool = False  # the current line so far is exactly a CR

    def feed(self, data: bytes) -> None:
        """Count the records that end in `data` (the next bytes of the stream)."""
        if not data:
            return
        arr = np.frombuffer(data, dtype=np.uint8)
        newlines = np.flatnonzero(arr == NL)
        if self.quotes:
            parity = np.bitwise_xor.accumulate((arr == QUOTE).view(np.uint8))
            start = np.uint8(self._in_quotes)
            at_newline = (parity[newlines] ^ start).astype(bool)  # inside quotes at each line feed
            end_in_quotes = bool(parity[-1] ^ start)
        else:
            at_newline = np.zeros(len(newlines), dtype=bool)
            end_in_quotes = False
        if len(newlines):
            self._count(arr, newlines, at_newline)
            tail = len(arr) - int(newlines[-1]) - 1
            self._line_in_quotes = bool(at_newline[-1])
            self._partial, self._partial_cr = min(tail, 2), tail == 1 and arr[-1] == CR
        else:
            self._partial_cr = self._partial == 0 and len(arr) == 1 and arr[0] == CR
            self._partial = min(self._partial + len(arr), 2)
        self._in_quotes = end_in_quotes
        self.spans_lines = self.spans_lines or bool(at_newline.any())
        self.lines += len(newlines)
        self.offset += len(arr)

    def _count(self, arr: np.ndarray, newlines: np.ndarray, at_newline: np.ndarray) -> None:
        starts = np.empty(len(newlines), dtype=np.int64)
        starts[0], starts[1:] = 0, newlines[:-1] + 1
        lengths = newlines - starts
        first_byte = arr[np.minimum(starts, len(arr) - 1)]
        blank = (lengths == 0) | ((lengths == 1) & (first_byte == CR))
        if self._partial:  # the first line began in an earlier chunk
            blank[0] = self._partial == 1 and self._partial_cr and lengths[0] == 0
        line_in_quotes = np.empty(len(newlines), dtype=bool)
        line_in_quotes[0], line_in_quotes[1:] = self._line_in_quotes, at_newline[:-1]
        ends = ~at_newline & ~(blank & ~line_in_quotes)
        if not self.first_spanning and at_newline.any():
            self.first_spanning = self.records + int(ends[: int(np.argmax(at_newline))].sum()) + 1
        if self.first_end < 0 and ends.any():
            self.first_end = self.offset + int(newlines[int(np.argmax(ends))]) + 1
        self.records += int(ends.sum())

    def finish(self) -> None:
        """End of stream: a last record without its line feed still counts."""
        pending = self._line_in_quotes or (self._partial > 0 and not (self._partial == 1 and self._partial_cr))
        if pending:
            self.records += 1
            if self.first_end < 0:
                self.first_end = self.offset
        self._partial, self._line_in_quotes = 0, False

    def records_before(self, data: bytes) -> int:
        """Records, counting a pending one, if the stream went on with `data` (for error positions)."""
        probe = RecordCounter(**{k: v for k, v in vars(self).items()})
        probe.feed(data)
        probe.finish()
        return probe.records
