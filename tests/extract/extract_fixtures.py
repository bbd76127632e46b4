"""Extractor tests: a real sandbox org over HTTP, a real DuckDB warehouse, per test.

``org`` is a fresh copy of a small generated demo org (generated once per session, copied per
test so tests can change it freely), served on a free port; ``sync`` runs
:func:`run_extract` against it into the test's own ``SFSYNC_HOME``. The Bulk threshold is low so
that the larger objects go through Bulk API 2.0 and the smaller ones through REST.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import requests

from pipelines.salesforce import ExtractResult, SalesforceCredentials, run_extract
from pipelines.sandbox.options import SandboxOptions
from pipelines.sandbox.server import RunningServer, serve_in_thread
from pipelines.sandbox.store import OrgStore

ACCOUNTS = 120
SEED = 11
BULK_THRESHOLD = 300
OBJECTS = (
    "Account",
    "Contact",
    "Opportunity",
    "User",
    "Contract",
    "Case",
    "CaseComment",
    "EmailMessage",
)
CUSTOM_OBJECTS = ("Account_Health__c", "Onboarding_Task__c")


@dataclass
class Org:
    """A running sandbox org: its URL, its store (the truth to compare with) and fault knobs."""

    base_url: str
    store: OrgStore
    server: RunningServer
    data_dir: Path

    def credentials(self, **overrides: Any) -> SalesforceCredentials:
        values: dict[str, Any] = {
            "login_url": self.base_url,
            "client_id": "sandbox",
            "client_secret": "sandbox",
            "username": "admin@sandbox.local",
            "password": "sandbox",
        }
        values.update(overrides)
        credentials = SalesforceCredentials(**values)
        credentials.resolve()
        return credentials

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        answer = requests.post(f"{self.base_url}/_sandbox/faults", json=settings, timeout=30)
        answer.raise_for_status()
        snapshot: dict[str, Any] = answer.json()
        return snapshot

    def reset_faults(self) -> None:
        requests.post(
            f"{self.base_url}/_sandbox/reset", json={"faults": True}, timeout=30
        ).raise_for_status()

    def arrow(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """A query over the org's own DuckDB file (tables named like the warehouse's)."""
        with self.store.reading() as cur:
            return cur.sql(sql, params=params or None).to_arrow_table()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        with self.store.reading() as cur:
            row = cur.execute(sql, params or []).fetchone()
        assert row is not None
        return row[0]

    def live_ids(self, object_name: str) -> set[str]:
        """Ids of the object's records that are not deleted."""
        table = self.store.table(object_name)
        live = " WHERE NOT is_deleted" if self.store.sobject(object_name).field("IsDeleted") else ""
        return {row["id"] for row in self.arrow(f"SELECT id FROM {table}{live}").to_pylist()}


@pytest.fixture(scope="session")
def org_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.sandbox.generator import generate_demo_org

    path = tmp_path_factory.mktemp("org-template")
    generate_demo_org(path, accounts=ACCOUNTS, seed=SEED).close()
    return path


def open_org(template: Path, where: Path, options: SandboxOptions | None = None) -> Org:
    data_dir = where / "org"
    shutil.copytree(template, data_dir)
    store = OrgStore.open(data_dir)
    server = serve_in_thread(store, options)
    return Org(server.base_url, store, server, data_dir)


@pytest.fixture
def org(org_template: Path, tmp_path: Path) -> Iterator[Org]:
    running = open_org(org_template, tmp_path)
    try:
        yield running
    finally:
        running.server.stop()
        running.store.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def sync(org: Org, home: Path) -> Any:
    """``sync(**options)``: one :func:`run_extract` of ``org`` into ``home``."""

    def run(target: Path | None = None, **options: Any) -> ExtractResult:
        options.setdefault("bulk_threshold", BULK_THRESHOLD)
        options.setdefault("objects", [*OBJECTS, *CUSTOM_OBJECTS])
        return run_extract(target or home, credentials=org.credentials(), **options)

    return run
