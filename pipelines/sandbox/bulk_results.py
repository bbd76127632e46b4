"""Bulk 2.0 query results: the job's rows, written to CSV page by page.

A query job keeps its result as an Arrow table already formatted the way Bulk CSV writes
values. Results pages are written from it in segments (:mod:`pipelines.sandbox.segments`):
all of them are queued in the background when the job is created, so a page waits only for
its own rows; a page whose rows were let go (a client paging backwards) has them written
again for it. A page that starts or ends inside a written segment — clients change
``maxRecords`` between pages, and a page is fetched again after a dropped connection — is
cut out of it rather than written again.

A page's bytes are never joined into one body: a segment is written as chunks of
``CHUNK_ROWS`` lines, each its own ``bytes``, and
:class:`~pipelines.sandbox.segments.PiecesResponse` hands them to the server one by one,
starting as soon as the page's first segment is written. Joining a 25 MB
page, and the copies the event loop makes of a body the socket does not take at once, cost
about as much CPU as writing the CSV; a chunk of a megabyte goes to the socket as it is.
"""

from __future__ import annotations

import bisect
import io
from collections.abc import Sequence
from concurrent.futures import Executor, Future
from itertools import accumulate

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from pipelines.sandbox.segments import Piece, Segments

SEGMENT_ROWS = 10_000
CHUNK_ROWS = 2_000
"""Lines per written chunk: about 1 MB of Account with all its fields."""
_NEWLINE = 0x0A
_QUOTE = 0x22


def csv_options(delimiter: str, line_ending: str, *, header: bool) -> pacsv.WriteOptions:
    """Salesforce's Bulk CSV: every value quoted, nulls empty.

    A record batch of at most ``CHUNK_ROWS`` rows is written in one piece.
    """
    return pacsv.WriteOptions(
        include_header=header,
        delimiter=delimiter,
        eol="\r\n" if line_ending == "CRLF" else "\n",
        quoting_style="all_valid",
        batch_size=CHUNK_ROWS,
    )


def write_csv(rows: pa.Table, options: pacsv.WriteOptions) -> bytes:
    sink = io.BytesIO()
    if rows.num_columns:
        pacsv.write_csv(rows, sink, options)
    return sink.getvalue()


class _Chunks:
    """What pyarrow's CSV writer writes, one ``bytes`` per write (i.e. per record batch)."""

    closed = False  # pyarrow asks before each write

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: pa.Buffer) -> int:
        self.written.append(data.to_pybytes())
        return data.size


class CsvLines:
    """Consecutive rows written as CSV lines (no header), in chunks of whole lines."""

    def __init__(self, chunks: list[bytes], rows: Sequence[int]) -> None:
        self.chunks = chunks
        self._starts = [0, *accumulate(rows)]  # each chunk's first row, then the row count
        self._ends: dict[int, np.ndarray] = {}

    @classmethod
    def write(cls, rows: pa.Table, options: pacsv.WriteOptions) -> CsvLines:
        """``rows`` written in chunks of up to ``CHUNK_ROWS`` lines (``options`` from
        :func:`csv_options`, which writes each such batch at once)."""
        sink = _Chunks()
        counts: list[int] = []
        if rows.num_columns:
            with pacsv.CSVWriter(sink, rows.schema, write_options=options) as writer:
                for batch in rows.to_batches(max_chunksize=CHUNK_ROWS):
                    if batch.num_rows:
                        writer.write_batch(batch)
                        counts.append(batch.num_rows)
        if len(sink.written) != len(counts):
            raise RuntimeError(
                f"{len(counts)} record batches written in {len(sink.written)} writes"
            )
        return cls(sink.written, counts)

    @property
    def rows(self) -> int:
        return self._starts[-1]

    @property
    def nbytes(self) -> int:
        return sum(len(chunk) for chunk in self.chunks)

    def cut(self, first: int, last: int) -> list[Piece]:
        """The lines of rows ``[first, last)``: whole chunks as they are, views of the others."""
        pieces: list[Piece] = []
        index = bisect.bisect_right(self._starts, first) - 1
        while first < last:
            start, stop = self._starts[index], self._starts[index + 1]
            chunk = self.chunks[index]
            end = min(last, stop)
            if first == start and end == stop:
                pieces.append(chunk)
            else:
                ends = self._row_ends(index)
                begin = int(ends[first - start - 1]) if first > start else 0
                pieces.append(memoryview(chunk)[begin : int(ends[end - start - 1])])
            first = end
            index += 1
        return pieces

    def _row_ends(self, index: int) -> np.ndarray:
        """Offsets just past each line ending of chunk ``index`` (found on first use, then kept).

        Every value is quoted, so a line break inside a value sits between quotes, and quotes
        inside values are doubled: a line feed ends a row exactly when an even number of quotes
        precede it. Most chunks hold no line break in a value and skip that count.
        """
        ends = self._ends.get(index)
        if ends is None:
            rows = self._starts[index + 1] - self._starts[index]
            raw = np.frombuffer(self.chunks[index], dtype=np.uint8)
            feeds = raw == _NEWLINE
            ends = np.flatnonzero(feeds)
            if len(ends) != rows:
                inside = np.bitwise_xor.accumulate(raw == _QUOTE, dtype=np.uint8).astype(bool)
                ends = np.flatnonzero(feeds & ~inside)
            if len(ends) != rows:
                raise ValueError(f"CSV of {rows} rows has {len(ends)} line endings")
            ends = self._ends.setdefault(index, ends + 1)
        return ends


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
        self.lines = Segments[CsvLines](
            table.num_rows,
            lambda start, stop: CsvLines.write(table.slice(start, stop - start), options),
            lambda lines, first, last: lines.cut(first, last),
            lambda lines: lines.nbytes,
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
    ) -> list[Future[Sequence[Piece]]]:
        """The header and the lines of rows ``[offset, offset + count)``, in parts done once
        written; with an ``executor``, the next page of that size is written meanwhile."""
        header: Future[Sequence[Piece]] = Future()
        header.set_result([self.header])
        return [header, *self.lines.parts(offset, count, executor)]
