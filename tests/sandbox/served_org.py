"""A demo org of a test module's own, served over HTTP, for tests that need data the shared
org must not carry (huge child sets, multi-currency)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from simple_salesforce import Salesforce

from pipelines.sandbox.client import SandboxSession, api_session
from pipelines.sandbox.server import RunningServer, serve_in_thread
from pipelines.sandbox.store import OrgStore

API = "v59.0"


@dataclass
class ServedOrg:
    store: OrgStore
    server: RunningServer

    def api(self, path: str) -> str:
        return f"{self.server.base_url}/services/data/{API}{path}"

    def salesforce(self) -> Salesforce:
        """Unmodified simple_salesforce, logged in with username and password."""
        return Salesforce(
            username="admin@sandbox.local",
            password="sandbox",
            security_token="",
            session=SandboxSession(self.server.base_url),
        )

    def http(self) -> requests.Session:
        """A requests session carrying a bearer token from the OAuth password grant."""
        return api_session(self.server.base_url)

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.store.reading() as cur:
            return cur.execute(sql, params or []).fetchall()


@contextmanager
def served(store: OrgStore) -> Iterator[ServedOrg]:
    """Serve ``store`` for the duration of the block, then close it."""
    server = serve_in_thread(store)
    try:
        yield ServedOrg(store, server)
    finally:
        server.stop()
        store.close()


def demo_store(data_dir: Path, **options: Any) -> OrgStore:
    from pipelines.sandbox.generator import generate_demo_org

    return generate_demo_org(
        data_dir, options.pop("accounts", 6), options.pop("seed", 11), **options
    )
