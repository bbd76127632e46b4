"""Server-side query cursors: a result materialised once, served page by page.

A REST query runs its SQL once; the Arrow table is kept here under a query-locator id
(``01g…``) and ``GET /query/01g…-2000`` serves rows from it, so paging never re-runs the query
and never sees rows change underneath it. Cursors idle for 15 minutes are dropped, and the
oldest go first when the results held exceed the memory budget; an unknown locator is answered
with 400 INVALID_QUERY_LOCATOR, as a real org does.

Records are rendered to JSON in segments of rows (:mod:`pipelines.sandbox.segments`): the page
a client asks for on demand, and the rows after it 25,000 at a time in the background while the
client reads. A new segment starts as soon as fewer than a segment's rows past the page are
rendered, so sequential paging finds its page rendered: rendering a segment takes about as
long as a client takes to read and parse 25,000 records, and one started only when the client
is near its end kept the client waiting for most of it. Rendering many rows in one query costs
far less per row than one query per page.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa

from pipelines.sandbox.ids import make_id
from pipelines.sandbox.records import string_bytes
from pipelines.sandbox.segments import Piece, Segments

LOCATOR_PREFIX = "01g"
DEFAULT_TTL_SECONDS = 15 * 60
DEFAULT_MAX_BYTES = 2 << 30
SEGMENT_ROWS = 25_000
WORKERS = 2
"""Threads that render ahead (and run a Bulk query job's parts): the cores of a small machine."""

TRender = Callable[[int, int], pa.Array]
"""Renders rows ``[start, stop)`` of a cursor: one JSON record per row, each followed by a comma."""


@dataclass
class Cursor:
    """A materialised query result and the function that renders its rows as records."""

    table: pa.Table
    render: TRender
    last_used: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.rendered = Segments[pa.Array](
            self.table.num_rows,
            self.render,
            lambda records, first, last: [string_bytes(records.slice(first, last - first))],
            lambda records: records.nbytes,
            ahead=lambda stop, size: stop + size + SEGMENT_ROWS,
            min_rows=SEGMENT_ROWS,
        )

    @property
    def total(self) -> int:
        return self.table.num_rows

    @property
    def nbytes(self) -> int:
        """The result and the records rendered from it that are held."""
        return self.table.nbytes + self.rendered.nbytes

    def records(self, offset: int, size: int, executor: Executor | None = None) -> list[Piece]:
        """Records ``[offset, offset + size)`` as comma-separated JSON, in pieces to join.

        With an ``executor``, the rows after the page are rendered ahead in the background.
        """
        parts = self.rendered.pieces(offset, size, executor)
        if parts:
            parts[-1] = parts[-1][:-1]  # the comma after the last record
        return parts


class CursorCache:
    def __init__(
        self, ttl_seconds: float = DEFAULT_TTL_SECONDS, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self.executor = ThreadPoolExecutor(
            max_workers=WORKERS, thread_name_prefix="sandbox-prefetch"
        )

    def add(self, cursor: Cursor) -> str:
        """Keep ``cursor`` and return its locator id."""
        locator = make_id(LOCATOR_PREFIX, next(self._counter))
        with self._lock:
            self._entries[locator] = cursor
            self._evict()
        return locator

    def get(self, locator: str) -> Cursor | None:
        with self._lock:
            cursor = self._entries.get(locator)
            if cursor is None:
                return None
            now = time.monotonic()
            if now - cursor.last_used > self.ttl_seconds:
                del self._entries[locator]
                return None
            cursor.last_used = now
            self._entries.move_to_end(locator)
            return cursor

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self) -> None:
        now = time.monotonic()
        for locator in [
            k for k, c in self._entries.items() if now - c.last_used > self.ttl_seconds
        ]:
            del self._entries[locator]
        total = sum(c.nbytes for c in self._entries.values())
        while total > self.max_bytes and len(self._entries) > 1:
            _, oldest = self._entries.popitem(last=False)
            total -= oldest.nbytes
