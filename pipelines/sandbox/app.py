"""The sandbox org's ASGI application: routers, error handlers and the gateway middleware."""

from __future__ import annotations

import copy

import pyarrow as pa
import sqlglot
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipelines.sandbox import bulk, bulk_results, composite, control, oauth, query, rest, soap
from pipelines.sandbox.bulk import BulkJobs
from pipelines.sandbox.context import Sandbox
from pipelines.sandbox.cursors import CursorCache
from pipelines.sandbox.directory import UserDirectory
from pipelines.sandbox.errors import ApiError, OAuthError, json_response
from pipelines.sandbox.faults import FaultInjector
from pipelines.sandbox.gateway import Gateway, install_log_filter
from pipelines.sandbox.options import SandboxOptions
from pipelines.sandbox.sessions import SessionRegistry
from pipelines.sandbox.store import OrgStore, StoreError


def create_app(store: OrgStore, options: SandboxOptions | None = None) -> FastAPI:
    """A Salesforce-compatible API over ``store``; serve it with uvicorn at the root of host:port."""
    options = options or SandboxOptions()
    faults = FaultInjector(copy.deepcopy(options.faults), seed=options.fault_seed)
    sessions = SessionRegistry(store.settings.org_id)
    sandbox = Sandbox(
        store=store,
        options=options,
        faults=faults,
        sessions=sessions,
        users=UserDirectory(store, options.credentials.username),
        cursors=CursorCache(),
        jobs=BulkJobs(),
    )
    app = FastAPI(title="sfsync sandbox org", docs_url=None, redoc_url=None, openapi_url=None)
    app.router.redirect_slashes = False
    app.state.sandbox = sandbox
    for module in (rest, query, composite, bulk, oauth, soap, control):
        app.include_router(module.router)
    _install_error_handlers(app)
    app.add_middleware(Gateway, sessions=sessions, faults=faults)
    install_log_filter()
    # In the background: the server answers at once, and is warm before a client's first query.
    sandbox.cursors.executor.submit(_warm_up)
    return app


def _warm_up() -> None:
    """Do now what the first query would otherwise wait for, about a second in all on a small
    machine: sqlglot loading its DuckDB dialect, pyarrow importing pandas on its first array,
    and pyarrow's CSV writer setting up its casts on its first write."""
    sqlglot.Dialect.get_or_raise("duckdb")
    sample = pa.table({"s": ["x"], "f": [1.5], "i": [1], "b": [True], "n": [None]})
    bulk_results.write_csv(sample, bulk_results.csv_options(",", "LF", header=True))


def _install_error_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return exc.response()

    async def oauth_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, OAuthError)
        return exc.response()

    async def store_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StoreError)
        return ApiError(exc.http_status, exc.status_code, exc.message, exc.fields).response()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            allowed = exc.headers.get("Allow", "") if exc.headers else ""
            message = f"HTTP Method '{request.method}' not allowed. Allowed are {allowed.replace(', ', ',')}"
            return ApiError(405, "METHOD_NOT_ALLOWED", message).response()
        if exc.status_code == 404:
            return ApiError(404, "NOT_FOUND", "The requested resource does not exist").response()
        return json_response(
            [{"message": str(exc.detail), "errorCode": "INVALID_REQUEST"}], exc.status_code
        )

    async def validation_error(_: Request, exc: Exception) -> Response:
        return json_response(
            [{"message": "The request is malformed", "errorCode": "INVALID_REQUEST"}], 400
        )

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(OAuthError, oauth_error)
    app.add_exception_handler(StoreError, store_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
