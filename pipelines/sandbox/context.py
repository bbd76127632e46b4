"""What every route of the sandbox org shares: the store, the options and the live state."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import orjson
from fastapi import Depends
from starlette.requests import Request

from pipelines.sandbox.errors import json_parser_error, not_found, session_invalid
from pipelines.sandbox.gateway import SESSION_KEY
from pipelines.sandbox.sessions import Session

if TYPE_CHECKING:
    from pipelines.sandbox.bulk import BulkJobs
    from pipelines.sandbox.cursors import CursorCache
    from pipelines.sandbox.directory import UserDirectory
    from pipelines.sandbox.faults import FaultInjector
    from pipelines.sandbox.options import SandboxOptions
    from pipelines.sandbox.sessions import SessionRegistry
    from pipelines.sandbox.store import OrgStore


@dataclass
class Sandbox:
    store: OrgStore
    options: SandboxOptions
    faults: FaultInjector
    sessions: SessionRegistry
    users: UserDirectory
    cursors: CursorCache
    jobs: BulkJobs

    @property
    def org_id(self) -> str:
        return self.sessions.org_id


def sandbox_of(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def session_of(request: Request) -> Session:
    session = request.scope.get(SESSION_KEY)
    if not isinstance(session, Session):
        raise session_invalid()
    return session


def base_url(request: Request) -> str:
    """``http://127.0.0.1:8765``: the scheme and host the client used to reach this server."""
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"


_VERSION = re.compile(r"^v(\d{1,3})\.(\d)$")


def api_version(version: str) -> str:
    """Accept any ``vNN.N`` (clients default to different versions); anything else is a 404."""
    if not _VERSION.match(version):
        raise not_found()
    return version


async def json_body(request: Request) -> Any:
    """The request body parsed as JSON (a FastAPI dependency); JSON_PARSER_ERROR otherwise."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise json_parser_error(f"{exc.msg} at [line:{exc.lineno}, column:{exc.colno}]") from None


async def raw_body(request: Request) -> bytes:
    """The request body as bytes (a FastAPI dependency, so that sync routes can use it)."""
    return await request.body()


JsonBody = Annotated[Any, Depends(json_body)]
RawBody = Annotated[bytes, Depends(raw_body)]
