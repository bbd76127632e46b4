"""A results page answered piece by piece: with its length once written, streamed as its
segments are written while it is not, a large piece in several sends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import pyarrow as pa

from pipelines.sandbox.bulk_results import (
    SEGMENT_ROWS,
    CsvResult,
    csv_options,
    write_csv,
)
from pipelines.sandbox.segments import SEND_BYTES, PiecesResponse

ROWS = 3 * SEGMENT_ROWS


class _Held(Executor):
    """Runs what is submitted only when told to, one task at a time."""

    def __init__(self) -> None:
        self.queued: list[Callable[[], None]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.queued.append(lambda: future.set_result(fn(*args, **kwargs)))
        return future

    def run_one(self) -> None:
        self.queued.pop(0)()


def _table() -> pa.Table:
    return pa.table({"Id": [f"001{i:015d}" for i in range(ROWS)], "N": list(range(ROWS))})


def _answer(
    response: PiecesResponse, on_send: Callable[[list[dict[str, Any]]], None]
) -> list[dict[str, Any]]:
    """The ASGI messages ``response`` sends; ``on_send`` sees them after each one."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        on_send(sent)

    asyncio.run(response({"type": "http"}, receive, send))  # type: ignore[arg-type]
    return sent


def test_a_page_being_written_streams_as_its_segments_are_written() -> None:
    held = _Held()
    result = CsvResult(_table(), ",", "LF", held)
    assert len(held.queued) == 3  # nothing written yet
    response = PiecesResponse(result.page(0, ROWS), {"Sforce-Locator": "null"}, "text/csv")
    assert b"content-length" not in dict(response.raw_headers)
    unwritten_at_first_lines: list[int] = []

    def write_one_more(sent: list[dict[str, Any]]) -> None:
        if len(sent) == 3:  # the start, the CSV header, then the first lines
            unwritten_at_first_lines.append(len(held.queued))
        if held.queued:
            held.run_one()

    sent = _answer(response, write_one_more)
    assert unwritten_at_first_lines == [1]  # the last segment was not written yet
    assert sent[0]["type"] == "http.response.start"
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    body = b"".join(message["body"] for message in sent[1:])
    assert body == write_csv(_table(), csv_options(",", "LF", header=True))


def test_a_written_page_goes_out_with_its_length() -> None:
    held = _Held()
    result = CsvResult(_table(), ",", "CRLF", held)
    while held.queued:
        held.run_one()
    response = PiecesResponse(result.page(7, SEGMENT_ROWS), {}, "text/csv")
    body = b"".join(message["body"] for message in _answer(response, lambda _: None)[1:])
    assert dict(response.raw_headers)[b"content-length"] == str(len(body)).encode()
    lines = write_csv(_table().slice(7, SEGMENT_ROWS), csv_options(",", "CRLF", header=True))
    assert body == lines


def test_a_piece_larger_than_a_send_goes_out_in_views_of_at_most_send_bytes() -> None:
    large = bytes(range(256)) * ((SEND_BYTES * 5 // 2) // 256)
    response = PiecesResponse.of([b'{"records":[', large, b"]}"], {}, "application/json")
    bodies = [message["body"] for message in _answer(response, lambda _: None)[1:-1]]
    assert [len(body) for body in bodies] == [
        12,
        SEND_BYTES,
        SEND_BYTES,
        len(large) - 2 * SEND_BYTES,
        2,
    ]
    body = b"".join(bodies)
    assert body == b'{"records":[' + large + b"]}"
    assert dict(response.raw_headers)[b"content-length"] == str(len(body)).encode()
