"""Shared fixtures: a real sandbox org server over a small generated demo org.

``sandbox_org`` (session-scoped) generates a demo org into a temporary data directory, serves
it with uvicorn in a thread on a free port and hands tests a :class:`SandboxOrg`: the base URL,
the store (to check answers against the data itself) and helpers for clients and faults.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from pipelines.sandbox.client import SandboxSession, access_token, api_session
from pipelines.sandbox.server import RunningServer, serve_in_thread
from pipelines.sandbox.store import OrgStore

DEMO_ACCOUNTS = 160
DEMO_SEED = 7
CLIENT_ID = "sandbox"
CLIENT_SECRET = "sandbox"
USERNAME = "admin@sandbox.local"
PASSWORD = "sandbox"
API = "v59.0"


@dataclass
class SandboxOrg:
    base_url: str
    store: OrgStore
    server: RunningServer
    data_dir: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    def api(self, path: str) -> str:
        return f"{self.base_url}/services/data/{API}{path}"

    def token(self) -> str:
        """A fresh access token from the OAuth password grant."""
        return access_token(self.base_url)

    def http(self) -> requests.Session:
        """A requests session carrying a fresh bearer token."""
        return api_session(self.base_url)

    def salesforce(self, **kwargs: Any) -> Any:
        """An unmodified simple_salesforce client logged in with username and password (SOAP)."""
        from simple_salesforce import Salesforce

        options: dict[str, Any] = {
            "username": USERNAME,
            "password": PASSWORD,
            "security_token": "",
            "session": SandboxSession(self.base_url),
        }
        options.update(kwargs)
        return Salesforce(**options)

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows straight from the org's DuckDB file (what the API should be answering)."""
        with self.store.reading() as cur:
            return cur.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        return self.rows(sql, params)[0][0]

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        answer = requests.post(self.url("/_sandbox/faults"), json=settings, timeout=30)
        answer.raise_for_status()
        snapshot: dict[str, Any] = answer.json()
        return snapshot

    def reset(self, **what: bool) -> None:
        requests.post(self.url("/_sandbox/reset"), json=what, timeout=30).raise_for_status()

    @contextmanager
    def faults(self, **settings: Any) -> Iterator[None]:
        """Apply fault settings for the duration of a ``with`` block."""
        self.set_faults(**settings)
        try:
            yield
        finally:
            self.reset(faults=True)


@pytest.fixture(scope="session")
def sandbox_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxOrg]:
    from pipelines.sandbox.generator import generate_demo_org

    data_dir = tmp_path_factory.mktemp("sandbox-org")
    store = generate_demo_org(data_dir, accounts=DEMO_ACCOUNTS, seed=DEMO_SEED)
    server = serve_in_thread(store)
    try:
        yield SandboxOrg(server.base_url, store, server, data_dir)
    finally:
        server.stop()
        store.close()
