"""Bulk 2.0 query results: the job's rows, written to CSV page by page.

A query job keeps its result as an Arrow table already formatted the way Bulk CSV writes
values. Results pages are written from it in segments (:mod:`pipelines.sandbox.segments`):
all of them are queued in the background when the job is created, so a page waits only for
its own rows; a page whose rows were let go (a client paging backwards) has them written
again for it. A page that starts or ends inside a written segment — clients change
``maxRecords`` between pages, and a page is fetched again after a dropped connection — is
cut out of it rather than written again.
"""

from __future__ import annotations

import io
from concurrent.futures import Executor

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from pipelines.sandbox.segments import Segments

SEGMENT_ROWS = 10_000
_NEWLINE = 0x0A
_QUOTE = 0x22


def csv_options(delimiter: str, line_ending: str, *, header: bool) -> pacsv.WriteOptions:
    """Salesforce's Bulk CSV: every value quoted, nulls empty."""
    return pacsv.WriteOptions(
        include_header=header,
        delimiter=delimiter,
        eol="\r\n" if line_ending == "CRLF" else "\n",
        quoting_style="all_valid",
        batch_size=8192,
    )


def write_csv(rows: pa.Table, options: pacsv.WriteOptions) -> bytes:
    sink = io.BytesIO()
    if rows.num_columns:
        pacsv.write_csv(rows, sink, options)
    return sink.getvalue()


class CsvLines:
    """Consecutive rows written as CSV lines (no header)."""

    def __init__(self, data: bytes, rows: int) -> None:
        self.data = data
        self.rows = rows
        self._ends: np.ndarray | None = None

    def cut(self, first: int, last: int) -> memoryview:
        """The lines of rows ``[first, last)``."""
        if first == 0 and last == self.rows:
            return memoryview(self.data)
        ends = self._row_ends()
        begin = int(ends[first - 1]) if first else 0
        return memoryview(self.data)[begin : int(ends[last - 1])]

    def _row_ends(self) -> np.ndarray:
        """Offsets just past each row's line ending (found on first use, then kept).

        Every value is quoted, so a line break inside a value sits between quotes, and quotes
        inside values are doubled: a line feed ends a row exactly when an even number of quotes
        precede it. Most lines hold no line break in a value and skip that count.
        """
        if self._ends is None:
            raw = np.frombuffer(self.data, dtype=np.uint8)
            feeds = raw == _NEWLINE
            ends = np.flatnonzero(feeds)
            if len(ends) != self.rows:
                inside = np.bitwise_xor.accumulate(raw == _QUOTE, dtype=np.uint8).astype(bool)
                ends = np.flatnonzero(feeds & ~inside)
            if len(ends) != self.rows:
                raise ValueError(f"CSV of {self.rows} rows has {len(ends)} line endings")
            self._ends = ends + 1
        return self._ends


class CsvResult:
    """A query job's result and its CSV pages.

    With an ``executor``, the whole result is written at once in the background, in segments
    of ``SEGMENT_ROWS`` side by side, while the job's answer goes back to the client: a
    results page then waits only for its own segments, and page sizes that are multiples of
    the segment size (simple_salesforce's 50,000, for one) are whole segments, never cut.
    """

    def __init__(
        self,
        table: pa.Table,
        delimiter: str,
        line_ending: str,
        executor: Executor | None = None,
    ) -> None:
        self.table = table
        self.header = write_csv(
            table.schema.empty_table(), csv_options(delimiter, line_ending, header=True)
        )
        options = csv_options(delimiter, line_ending, header=False)

        def render(start: int, stop: int) -> CsvLines:
            return CsvLines(write_csv(table.slice(start, stop - start), options), stop - start)

        self.lines = Segments[CsvLines](
            table.num_rows,
            render,
            lambda lines, first, last: lines.cut(first, last),
            lambda lines: len(lines.data),
            ahead=lambda stop, size: stop + size,
            min_rows=1,
        )
        if executor is not None:
            self.lines.render_all(executor, SEGMENT_ROWS)

    @property
    def rows(self) -> int:
        return self.table.num_rows

    @property
    def nbytes(self) -> int:
        return self.table.nbytes + self.lines.nbytes

    def page(
        self, offset: int, count: int, executor: Executor | None = None
    ) -> list[bytes | memoryview]:
        """The header and the lines of rows ``[offset, offset + count)``, to be joined; with
        an ``executor``, the next page of that size is written meanwhile."""
        return [self.header, *self.lines.pieces(offset, count, executor)]
