"""Rows of a materialised result, rendered in segments: on demand, and ahead in the background.

Both answers that page through a result — REST query pages (JSON records) and Bulk 2.0 results
pages (CSV lines) — are rendered from an Arrow table kept for the purpose. Rendering a page the
moment it is asked for would make every client wait for it; rendering everything up front
would make the first page wait for the last. :class:`Segments` does neither: a page that is not
rendered yet is rendered for that request alone, and after each page the rows that follow are
rendered in the background while the client reads, so sequential paging finds them ready. A
page may cross segment boundaries and start or end inside one: the renderer's ``cut`` gives the
bytes of any row range of a segment, so a page is a few pieces of rendered bytes, never
rendered again. :class:`PiecesResponse` sends those pieces as they are.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

TRendered = TypeVar("TRendered")
Piece = bytes | memoryview
"""Some of a page's bytes: rendered bytes as they are, or a view of some of them."""


@dataclass
class _Segment(Generic[TRendered]):
    start: int
    stop: int
    rendered: Future[TRendered]

    def failed(self) -> bool:
        return self.rendered.done() and self.rendered.exception() is not None


class Segments(Generic[TRendered]):
    """Renders rows ``[0, total)`` in segments.

    ``render(start, stop)`` renders a row range; ``cut(rendered, first, last)`` gives the bytes
    of rows ``[first, last)`` of a rendered segment (counted from its start), in pieces to
    join; ``size_of`` the bytes a rendered segment holds. After a page, the rows up to
    ``ahead(stop, size)`` are made ready in segments of at least ``min_rows``.
    """

    def __init__(
        self,
        total: int,
        render: Callable[[int, int], TRendered],
        cut: Callable[[TRendered, int, int], Sequence[Piece]],
        size_of: Callable[[TRendered], int],
        *,
        ahead: Callable[[int, int], int],
        min_rows: int,
    ) -> None:
        self.total = total
        self._render = render
        self._cut = cut
        self._size_of = size_of
        self._ahead = ahead
        self._min_rows = min_rows
        self._segments: list[_Segment[TRendered]] = []
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """What the rendered segments hold."""
        with self._lock:
            done = [s.rendered for s in self._segments if s.rendered.done() and not s.failed()]
        return sum(self._size_of(f.result()) for f in done)

    def parts(
        self, offset: int, size: int, executor: Executor | None = None
    ) -> list[Future[Sequence[Piece]]]:
        """The bytes of rows ``[offset, offset + size)``, segment by segment, each part done
        once its segment is rendered (a segment no one is rendering is rendered here and now).

        Segments wholly before ``offset`` are let go (clients page forwards; one that goes
        back gets its rows rendered again). With an ``executor``, the rows after the page are
        rendered ahead.
        """
        stop = min(offset + size, self.total)
        parts: list[Future[Sequence[Piece]]] = []
        position = offset
        while position < stop:
            segment = self._segment_at(position, stop)
            end = min(stop, segment.stop)
            parts.append(self._cut_when_rendered(segment, position, end))
            position = end
        with self._lock:
            self._segments = [s for s in self._segments if s.stop > offset]
        if executor is not None and stop < self.total:
            self._render_ahead(stop, size, executor)
        return parts

    def pieces(self, offset: int, size: int, executor: Executor | None = None) -> list[Piece]:
        """The bytes of rows ``[offset, offset + size)`` in pieces to join, once rendered."""
        return [piece for part in self.parts(offset, size, executor) for piece in part.result()]

    def render_all(self, executor: Executor, rows: int) -> None:
        """Queue every row not rendered yet, in segments of ``rows``, on ``executor``.

        For results read through from start to end: the executor's workers render
        segments side by side, and a page waits only for the segments it needs.
        """
        with self._lock:
            covered = sorted((s.start, s.stop) for s in self._segments if not s.failed())
            queued: list[_Segment[TRendered]] = []
            position = 0
            for start, stop in [*covered, (self.total, self.total)]:
                while position < start:
                    end = min(start, position + rows)
                    queued.append(_Segment[TRendered](position, end, Future()))
                    position = end
                position = max(position, stop)
            self._segments.extend(queued)
        for segment in queued:
            executor.submit(self._fill, segment)

    def _segment_at(self, position: int, stop: int) -> _Segment[TRendered]:
        """The segment holding row ``position``, rendered here and now if there is none."""
        with self._lock:
            for segment in self._segments:
                if segment.start <= position < segment.stop and not segment.failed():
                    return segment
            self._segments = [s for s in self._segments if not s.failed()]
            later = [s.start for s in self._segments if s.start > position]
            segment = _Segment[TRendered](position, min([stop, *later]), Future())
            self._segments.append(segment)
        self._fill(segment)
        return segment

    def _cut_when_rendered(
        self, segment: _Segment[TRendered], start: int, stop: int
    ) -> Future[Sequence[Piece]]:
        """Rows ``[start, stop)`` of ``segment``, cut once it is rendered."""
        cut: Future[Sequence[Piece]] = Future()

        def rendered(done: Future[TRendered]) -> None:
            try:
                cut.set_result(
                    self._cut(done.result(), start - segment.start, stop - segment.start)
                )
            except BaseException as exc:  # handed to whoever waits for the part
                cut.set_exception(exc)

        segment.rendered.add_done_callback(rendered)
        return cut

    def _render_ahead(self, stop: int, size: int, executor: Executor) -> None:
        wanted = min(self.total, self._ahead(stop, size))
        with self._lock:
            covered = stop
            for segment in sorted(self._segments, key=lambda s: s.start):
                if segment.start <= covered < segment.stop and not segment.failed():
                    covered = segment.stop
            if covered >= wanted:
                return
            end = min(self.total, max(wanted, covered + self._min_rows))
            segment = _Segment[TRendered](covered, end, Future())
            self._segments.append(segment)
        executor.submit(self._fill, segment)

    def _fill(self, segment: _Segment[TRendered]) -> None:
        try:
            segment.rendered.set_result(self._render(segment.start, segment.stop))
        except BaseException as exc:  # handed to whoever waits for the segment
            segment.rendered.set_exception(exc)


SEND_BYTES = 1 << 20
"""The most one ASGI message carries. The server writes a message to the socket and keeps what
the socket does not take at once in a buffer it shifts after every send: a megabyte at a time
keeps that buffer small; a 3 MB page handed over whole is copied over and over."""


class PiecesResponse(Response):
    """A body answered piece by piece as its parts are done, never joined: one ASGI message
    per piece, or per :data:`SEND_BYTES` of a larger one.

    A body whose parts are all done goes out with ``Content-Length`` (and a part that failed
    fails the request before anything is sent). One still being written goes out with chunked
    transfer encoding as its parts are done: the client reads a results page's first rows
    while its last ones are written.
    """

    def __init__(
        self, parts: list[Future[Sequence[Piece]]], headers: Mapping[str, str], media_type: str
    ) -> None:
        self.parts = parts
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        if all(part.done() for part in parts):
            length = sum(len(piece) for part in parts for piece in part.result())
            headers = {**headers, "content-length": str(length)}
        self.init_headers(headers)

    @classmethod
    def of(
        cls, pieces: Sequence[Piece], headers: Mapping[str, str], media_type: str
    ) -> PiecesResponse:
        """A body whose pieces are all at hand."""
        done: Future[Sequence[Piece]] = Future()
        done.set_result(pieces)
        return cls([done], headers, media_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        for part in self.parts:
            for piece in part.result() if part.done() else await asyncio.wrap_future(part):
                view = memoryview(piece)
                for start in range(0, len(view), SEND_BYTES):
                    body = view[start : start + SEND_BYTES]
                    await send({"type": "http.response.body", "body": body, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
