"""Server-side query cursors: a result materialised once, served page by page.

A REST query runs its SQL once; the Arrow table is kept here under a query-locator id
(``01g…``) and ``GET /query/01g…-2000`` slices it, so paging never re-runs the query and never
sees rows change underneath it. Cursors idle for 15 minutes are dropped, and the oldest go
first when the results held exceed the memory budget; an unknown locator is answered with
400 INVALID_QUERY_LOCATOR, as a real org does.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from pipelines.sandbox.ids import make_id

LOCATOR_PREFIX = "01g"
DEFAULT_TTL_SECONDS = 15 * 60
DEFAULT_MAX_BYTES = 2 << 30


@dataclass
class Cursor:
    """A materialised query result and what it takes to turn its pages into records.

    ``ahead`` holds the next page, rendered in the background while the client reads the
    current one (clients page sequentially), keyed by ``(offset, size, version)``.
    """

    table: pa.Table
    query: Any  # the CompiledQuery
    renderer: Any  # records.RecordRenderer
    children: list[Any] = field(default_factory=list)  # query.ChildPlan
    last_used: float = field(default_factory=time.monotonic)
    ahead: tuple[tuple[int, int, str], Future[bytes]] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_ahead(self, key: tuple[int, int, str]) -> Future[bytes] | None:
        with self.lock:
            if self.ahead is not None and self.ahead[0] == key:
                future = self.ahead[1]
                self.ahead = None
                return future
            return None

    def put_ahead(self, key: tuple[int, int, str], future: Future[bytes]) -> None:
        with self.lock:
            self.ahead = (key, future)


class CursorCache:
    def __init__(
        self, ttl_seconds: float = DEFAULT_TTL_SECONDS, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sandbox-prefetch")

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
        total = sum(c.table.nbytes for c in self._entries.values())
        while total > self.max_bytes and len(self._entries) > 1:
            _, oldest = self._entries.popitem(last=False)
            total -= oldest.table.nbytes
