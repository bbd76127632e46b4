"""The ASGI layer in front of every route: paths, sessions, faults, limits, and the catch-all.

Per request, in order:

1. normalise the path (trailing slashes, the doubled ``…/query//services/data/…`` that
   ``query_more`` produces without ``identifier_is_url``);
2. add the configured latency (not to ``/_sandbox`` control calls);
3. for API calls (``/services/data/vNN.N/…``), identity calls and userinfo: resolve the bearer
   token to a live session or answer 401 INVALID_SESSION_ID;
4. for API calls: count the call against the daily limit and apply the injected faults
   (expired session, REQUEST_LIMIT_EXCEEDED, 5xx, a response cut off halfway);
5. add ``Sforce-Limit-Info`` to API responses;
6. turn any exception into Salesforce's UNKNOWN_EXCEPTION 500 — never a traceback on the wire.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipelines.sandbox.errors import (
    JSON_TYPE,
    LIMIT_EXCEEDED_MESSAGE,
    SESSION_INVALID,
    unknown_exception_body,
)
from pipelines.sandbox.faults import FaultInjector
from pipelines.sandbox.sessions import Session, SessionRegistry

logger = logging.getLogger("pipelines.sandbox")

SESSION_KEY = "sandbox.session"
_DATA_PREFIX = "/services/data/"
_DROP_LOG_TEXT = "ASGI callable returned without completing response."


def normalize_path(path: str) -> str:
    """``/services/data/v59.0/query//services/data/v59.0/query/01g…-2000/`` → ``…/query/01g…-2000``."""
    last = path.rfind(_DATA_PREFIX)
    if last > 0:
        path = path[last:]
    while "//" in path:
        path = path.replace("//", "/")
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path


def classify(path: str) -> str:
    """``api`` | ``identity`` | ``public`` | ``control`` | ``login`` — which rules apply."""
    if path.startswith(_DATA_PREFIX) and len(path) > len(_DATA_PREFIX):
        return "api"
    if path.startswith("/id/") or path == "/services/oauth2/userinfo":
        return "identity"
    if path.startswith("/_sandbox"):
        return "control"
    if path.startswith(("/services/oauth2/", "/services/Soap/")):
        return "login"
    return "public"


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            text = value.decode("latin-1").strip()
            scheme, _, token = text.partition(" ")
            if scheme.lower() in ("bearer", "oauth") and token.strip():
                return token.strip()
    if scope["path"].startswith("/id/"):
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if query.get("oauth_token"):
            return query["oauth_token"][0]
    return None


class _DropFilter(logging.Filter):
    """Silence uvicorn's complaint about the responses this gateway cuts off on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _DROP_LOG_TEXT


def install_log_filter() -> None:
    log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropFilter) for f in log.filters):
        log.addFilter(_DropFilter())


class Gateway:
    """Pure ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, sessions: SessionRegistry, faults: FaultInjector) -> None:
        self.app = app
        self.sessions = sessions
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = normalize_path(scope["path"])
        scope = dict(scope, path=path, raw_path=path.encode("utf-8"))
        kind = classify(path)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._handle(scope, receive, tracking_send, kind)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), path)
            if not started:
                await _send_json(send, 500, unknown_exception_body(), self._limit_headers(kind))

    async def _handle(self, scope: Scope, receive: Receive, send: Send, kind: str) -> None:
        latency = self.faults.settings.latency_ms
        if latency and kind != "control":
            await asyncio.sleep(latency / 1000)
        if kind not in ("api", "identity"):
            await self.app(scope, receive, send)
            return

        token = bearer_token(scope)
        session = self.sessions.lookup(token) if token else None
        if session is None:
            await _send_json(send, 401, _session_error(), self._limit_headers(kind))
            return
        if kind == "identity":
            await self.app(_with_session(scope, session), receive, send)
            return

        verdict = self.faults.on_api_call()
        limit_header = (b"sforce-limit-info", self.faults.limit_info().encode("ascii"))
        if verdict.expire:
            self.sessions.revoke(session.token)
            await _send_json(send, 401, _session_error(), [limit_header])
            return
        if verdict.limit_exceeded:
            body = [{"message": LIMIT_EXCEEDED_MESSAGE, "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
            await _send_json(send, 403, body, [limit_header])
            return
        if verdict.error_status:
            error = _server_error(verdict.error_status)
            await _send_json(send, verdict.error_status, error, [limit_header])
            return

        if verdict.drop:
            await self._run_and_drop(_with_session(scope, session), receive, send, limit_header)
            return

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), limit_header])
            await send(message)

        await self.app(_with_session(scope, session), receive, send_with_limits)

    async def _run_and_drop(
        self, scope: Scope, receive: Receive, send: Send, limit_header: tuple[bytes, bytes]
    ) -> None:
        """Run the route, then send the status, the headers and half the body — and hang up."""
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        status = int(start.get("status", 500))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers += [limit_header, (b"content-length", str(len(body)).encode("ascii"))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if status >= 300 or len(body) < 2:
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        # Leaving the response incomplete makes the server close the connection: the client
        # sees a Content-Length it never gets (IncompleteRead / ChunkedEncodingError).
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )

    def _limit_headers(self, kind: str) -> list[tuple[bytes, bytes]]:
        if kind != "api":
            return []
        return [(b"sforce-limit-info", self.faults.limit_info().encode("ascii"))]


def _with_session(scope: Scope, session: Session) -> Scope:
    return dict(scope, **{SESSION_KEY: session})


def _session_error() -> list[dict[str, str]]:
    return [{"message": SESSION_INVALID, "errorCode": "INVALID_SESSION_ID"}]


def _server_error(status: int) -> list[dict[str, str]]:
    if status == 500:
        return unknown_exception_body()
    return [
        {
            "errorCode": "SERVER_UNAVAILABLE",
            "message": "The server is temporarily unable to handle the request; try again later.",
        }
    ]


async def _send_json(
    send: Send, status: int, body: Any, extra_headers: list[tuple[bytes, bytes]]
) -> None:
    payload = orjson.dumps(body)
    headers = [
        (b"content-type", JSON_TYPE.encode("ascii")),
        (b"content-length", str(len(payload)).encode("ascii")),
        *extra_headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload, "more_body": False})
