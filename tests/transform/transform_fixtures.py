"""Fixture orgs and warehouses for the transform tests.

A fixture org is a directory of CSV files (``orgs/<name>/Account.csv`` …, plus ``schema.yaml``)
loaded into a sandbox org with :func:`pipelines.sandbox.orgdir.load_org_dir`. A warehouse of it
is made in one of two ways:

- :func:`extract_warehouse`: the real thing. The org is served over HTTP by the sandbox server
  and ``run_extract`` syncs it with the scenario's config (its field allowlists, case scope and
  custom objects decide what is pulled), exactly as a sync job does.
- :func:`build_warehouse`: a copy of the sandbox's tables into the ``salesforce`` schema (tables
  the org has no rows for are absent, as after a real sync). Tests that play a sync's changes
  by editing raw rows use it, and so do multi-currency orgs for now: the sandbox answers every
  query of a multi-currency org loaded from CSV with HTTP 500 (its CurrencyType has no
  IsDeleted column, which the sandbox's rate lookup filters on).

:class:`OrgRows` is the oracle's input: every row of the org as Python values, keyed by the
warehouse column names.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.config import parse_config
from pipelines.salesforce import SalesforceCredentials, run_extract
from pipelines.sandbox.orgdir import load_org_dir
from pipelines.sandbox.server import serve_in_thread
from pipelines.sandbox.store import DB_FILE, SCHEMA_FILE, OrgStore

ORGS_DIR = Path(__file__).parent / "orgs"
SKIPPED_TABLES = ("_sfsync_",)

Row = dict[str, Any]


@dataclass
class OrgRows:
    """Every row of a fixture org, per raw table (warehouse names: ``account``, ``csm_c``)."""

    name: str
    tables: dict[str, list[Row]]

    def rows(self, table: str) -> list[Row]:
        return self.tables.get(table, [])

    def live(self, table: str) -> list[Row]:
        return [r for r in self.rows(table) if not r.get("is_deleted")]

    def by_id(self, table: str) -> dict[str, Row]:
        return {r["id"]: r for r in self.rows(table)}


@dataclass
class FixtureOrg:
    """A fixture org loaded into the sandbox, ready to be copied into warehouses."""

    name: str
    org_dir: Path
    rows: OrgRows


def load_fixture_org(name: str, work_dir: Path) -> FixtureOrg:
    """Load ``orgs/<name>`` into a sandbox org under ``work_dir`` and read all its rows."""
    org_dir = work_dir / f"org-{name}"
    store = load_org_dir(ORGS_DIR / name, org_dir)
    try:
        tables: dict[str, list[Row]] = {}
        with store.reading() as cur:
            names = [
                t
                for (t,) in cur.execute(
                    "select table_name from information_schema.tables order by 1"
                ).fetchall()
                if not t.startswith(SKIPPED_TABLES)
            ]
            for table in names:
                result = cur.execute(f'select * from "{table}"')
                columns = [d[0] for d in result.description]
                rows = [dict(zip(columns, values, strict=True)) for values in result.fetchall()]
                if rows:
                    tables[table] = rows
    finally:
        store.close()
    return FixtureOrg(name, org_dir, OrgRows(name, tables))


def build_warehouse(org: FixtureOrg, home: Path) -> Path:
    """``home`` as a synced sfsync home: warehouse.duckdb with the raw tables, the describe."""
    home.mkdir(parents=True, exist_ok=True)
    warehouse = home / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(f"ATTACH '{org.org_dir / DB_FILE}' AS org (READ_ONLY)")
        con.execute("CREATE SCHEMA IF NOT EXISTS salesforce")
        for table in org.rows.tables:
            con.execute(f'CREATE TABLE salesforce."{table}" AS SELECT * FROM org."{table}"')
        con.execute("DETACH org")
    finally:
        con.close()
    shutil.copyfile(org.org_dir / SCHEMA_FILE, home / "describe_catalog.yaml")
    return warehouse


def extract_warehouse(org: FixtureOrg, home: Path, config: dict[str, Any]) -> Path:
    """Sync ``org`` into ``home`` with ``config``: the sandbox server and ``run_extract``."""
    home.mkdir(parents=True, exist_ok=True)
    # Before the first sync the config is resolved against the built-in catalog, which does
    # not know the fixture's custom objects; start from the org's describe, as a second sync
    # would (the extractor rewrites the file with the describe it fetches).
    shutil.copyfile(org.org_dir / SCHEMA_FILE, home / "describe_catalog.yaml")
    store = OrgStore.open(org.org_dir)
    server = serve_in_thread(store)
    try:
        credentials = SalesforceCredentials(
            login_url=server.base_url,
            client_id="sandbox",
            client_secret="sandbox",
            username="admin@sandbox.local",
            password="sandbox",
        )
        credentials.resolve()
        run_extract(home, config=parse_config(config), credentials=credentials)
    finally:
        server.stop()
        store.close()
    return home / "warehouse.duckdb"


def read_table(home: Path, relation: str) -> list[Row]:
    """All rows of ``relation`` (``companies``, ``intermediate.int_…``) as dicts."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        result = con.execute(f"select * from {relation}")
        columns = [d[0] for d in result.description]
        return [dict(zip(columns, values, strict=True)) for values in result.fetchall()]
    finally:
        con.close()


def columns_of(home: Path, relation: str) -> list[str]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return [d[0] for d in con.execute(f"select * from {relation} limit 0").description]
    finally:
        con.close()


def execute(home: Path, *statements: str) -> None:
    """Run write statements on the warehouse (a stand-in for what a sync would change)."""
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.execute("SET TimeZone = 'UTC'")
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def plain(value: Any) -> Any:
    """A value in a form both sides of a comparison agree on (dates as ISO text)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
