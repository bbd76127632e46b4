"""Rows rendered in segments: everything queued up front, pages assembled across segments."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa

from pipelines.sandbox.bulk_results import SEGMENT_ROWS, CsvResult, csv_options, write_csv
from pipelines.sandbox.segments import Piece, Segments

TOTAL = 95


def _lines(start: int, stop: int) -> bytes:
    return b"".join(f"{row}\n".encode() for row in range(start, stop))


class _Renderer:
    """Renders rows as numbered lines and remembers which ranges it was asked for."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []
        self._lock = threading.Lock()

    def __call__(self, start: int, stop: int) -> tuple[int, bytes]:
        with self._lock:
            self.calls.append((start, stop))
        return start, _lines(start, stop)

    @staticmethod
    def cut(rendered: tuple[int, bytes], first: int, last: int) -> list[bytes]:
        _, data = rendered
        return data.splitlines(keepends=True)[first:last]


def _joined(parts: list[Future[Sequence[Piece]]]) -> bytes:
    return b"".join(piece for part in parts for piece in part.result())


def _segments(render: _Renderer) -> Segments[tuple[int, bytes]]:
    return Segments[tuple[int, bytes]](
        TOTAL,
        render,
        render.cut,
        lambda rendered: len(rendered[1]),
        ahead=lambda stop, size: stop,
        min_rows=1,
    )


def test_render_all_queues_each_row_once_around_what_is_rendered() -> None:
    render = _Renderer()
    segments = _segments(render)
    page = segments.pieces(25, 12)  # rendered on demand: rows 25..36
    assert b"".join(page) == _lines(25, 37)
    with ThreadPoolExecutor(max_workers=2) as executor:
        segments.render_all(executor, 10)
    covered = sorted(render.calls)
    assert covered == [(0, 10), (10, 20), (20, 25), (25, 37), (37, 47), (47, 57), (57, 67),
                       (67, 77), (77, 87), (87, 95)]  # fmt: skip
    calls = len(render.calls)
    # Pages across segment boundaries come out of what was rendered, nothing is rendered again.
    assert b"".join(segments.pieces(5, 40)) == _lines(5, 45)
    assert b"".join(segments.pieces(45, 1_000)) == _lines(45, TOTAL)
    assert len(render.calls) == calls


def test_csv_result_written_up_front_pages_like_one_written_on_demand_or_in_one_piece() -> None:
    rows = 2 * SEGMENT_ROWS + 123
    table = pa.table(
        {
            "Id": [f"001{i:015d}" for i in range(rows)],
            "Note": [None if i % 7 == 0 else f'line "{i}"\nnext' for i in range(rows)],
            "Flag": [i % 3 == 0 for i in range(rows)],
        }
    )
    on_demand = CsvResult(table, ",", "CRLF")
    in_one_piece = write_csv(table, csv_options(",", "CRLF", header=True))
    with ThreadPoolExecutor(max_workers=2) as executor:
        ahead = CsvResult(table, ",", "CRLF", executor)
        pages: list[bytes] = []
        for offset, size in [(0, SEGMENT_ROWS), (SEGMENT_ROWS, 7_777), (17_777, rows)]:
            expected = _joined(on_demand.page(offset, size))
            assert _joined(ahead.page(offset, size)) == expected
            pages.append(expected.removeprefix(ahead.header) if pages else expected)
        assert ahead.lines.nbytes > 0
    assert b"".join(pages) == in_one_piece
    assert _joined(ahead.page(0, 2)) == (
        b'"Id","Note","Flag"\r\n"001000000000000000",,"true"\r\n'
        b'"001000000000000001","line ""1""\nnext","false"\r\n'
    )
