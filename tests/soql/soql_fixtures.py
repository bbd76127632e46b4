"""Data for the SOQL engine tests: a small org catalog and a DuckDB file holding its rows.

The rows are chosen around the boundaries the semantics suite probes: the clock is
2024-03-10 14:30 in New York, the day the US moves to daylight time, so "today" is 23 hours
long and ends at 04:00Z while it started at 05:00Z.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from pipelines.soql import DateContext, compile_query
from pipelines.soql.catalog import Catalog, catalog_from_yaml
from pipelines.soql.ids import to_18

HERE = Path(__file__).parent
NOW = datetime(2024, 3, 10, 14, 30, tzinfo=ZoneInfo("America/New_York"))
CTX = DateContext(now=NOW, time_zone="America/New_York", week_start=7, fiscal_year_start_month=1)


def sf_id(prefix: str, n: int) -> str:
    return to_18(f"{prefix}{n:012d}")


U1, U2, U3 = sf_id("005", 1), sf_id("005", 2), sf_id("005", 3)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# name: (type, revenue, currency, deleted, created (UTC), owner, industry, regions, contract end, partner)
ACCOUNTS = {
    "a1": (
        "Acme",
        "Customer",
        5000,
        "USD",
        False,
        "2024-03-10 05:00:00",
        U1,
        "Tech",
        "AMER;EMEA",
        "2024-03-10",
        True,
    ),
    "a2": (
        "acme labs",
        "customer",
        1000000,
        "EUR",
        False,
        "2024-03-10 04:59:59",
        U2,
        None,
        "APAC",
        "2024-03-09",
        False,
    ),
    "a3": (
        "Ter%ra",
        "Partner",
        None,
        "USD",
        False,
        "2024-03-11 03:59:59",
        U1,
        "Energy",
        None,
        "2024-03-11",
        None,
    ),
    "a4": (
        "Terra",
        "Prospect",
        0,
        "USD",
        False,
        "2024-03-11 04:00:00",
        U3,
        "Tech",
        "EMEA;APAC;AMER",
        "2024-03-31",
        False,
    ),
    "a5": (
        "O'Brien",
        None,
        -5.5,
        "USD",
        False,
        "2023-12-31 05:00:00",
        None,
        "Retail",
        "EMEA",
        "2023-12-31",
        True,
    ),
    "a6": (
        "Deleted Co",
        "Customer",
        7,
        "USD",
        True,
        "2024-03-10 06:00:00",
        U1,
        "Tech",
        "AMER",
        "2024-03-10",
        True,
    ),
    "a7": (
        "Back\\slash",
        "Other",
        250000,
        "USD",
        False,
        "2024-01-01 05:00:00",
        U2,
        None,
        "amer",
        "2024-01-01",
        None,
    ),
    "a8": (
        "Under_score",
        "Partner",
        42,
        "USD",
        False,
        "2024-03-03 05:00:00",
        U3,
        "Retail",
        "LATAM",
        None,
        False,
    ),
}
ALIVE = {k for k, v in ACCOUNTS.items() if not v[4]}
CONTACTS = [("c1", "Smith", "a1", False), ("c2", "Jones", "a1", False), ("c3", "Smith", "a2", False),
            ("c4", "Brown", "a1", True), ("c5", "Adams", "a4", False), ("c6", "Zed", None, False)]  # fmt: skip
OPPORTUNITIES = [("o1", "Big deal", 100, "Closed Won", "2024-02-01", "a1"),
                 ("o2", "Small deal", 10, "Prospecting", "2024-04-01", "a1"),
                 ("o3", "Renewal", 50, "Closed Won", "2023-06-30", "a2"),
                 ("o4", "Lost", None, "Closed Lost", "2024-03-10", "a3")]  # fmt: skip


def acc_id(key: str) -> str:
    return sf_id("001", int(key[1:]))


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return catalog_from_yaml((HERE / "semantics_org.yaml").read_text(), source="semantics_org.yaml")


@pytest.fixture(scope="session")
def db(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("soql") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    # A session zone that is neither UTC nor the user's: bounds must not depend on it.
    con.execute("SET TimeZone = 'Asia/Kolkata'")
    con.execute(
        'CREATE TABLE "user" (id VARCHAR, name VARCHAR, is_deleted BOOLEAN, manager_id VARCHAR)'
    )
    con.executemany(
        'INSERT INTO "user" VALUES (?, ?, false, ?)',
        [(U1, "Ada Admin", U3), (U2, "Bob Builder", None), (U3, "Boss", None)],
    )
    con.execute(
        "CREATE TABLE account (id VARCHAR, name VARCHAR, type VARCHAR, annual_revenue DOUBLE, "
        "currency_iso_code VARCHAR, is_deleted BOOLEAN, created_date TIMESTAMPTZ, owner_id VARCHAR, "
        "industry VARCHAR, regions_c VARCHAR, contract_end_date_c DATE, is_partner_c BOOLEAN, "
        "number_of_employees BIGINT, description VARCHAR)"
    )
    for key, (
        name,
        typ,
        rev,
        cur,
        deleted,
        created,
        owner,
        ind,
        regions,
        end,
        partner,
    ) in ACCOUNTS.items():
        con.execute(
            "INSERT INTO account VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [acc_id(key), name, typ, rev, cur, deleted, utc(created), owner, ind, regions, end, partner,
             int(key[1:]) * 10, f"about {name}"],
        )  # fmt: skip
    con.execute(
        "CREATE TABLE contact (id VARCHAR, last_name VARCHAR, is_deleted BOOLEAN, account_id VARCHAR)"
    )
    for key, last, acc, deleted in CONTACTS:
        con.execute(
            "INSERT INTO contact VALUES (?, ?, ?, ?)",
            [sf_id("003", int(key[1:])), last, deleted, acc_id(acc) if acc else None],
        )
    con.execute(
        "CREATE TABLE opportunity (id VARCHAR, name VARCHAR, amount DOUBLE, stage_name VARCHAR, "
        "close_date DATE, is_deleted BOOLEAN, account_id VARCHAR)"
    )
    for key, name, amount, stage, close, acc in OPPORTUNITIES:
        con.execute(
            "INSERT INTO opportunity VALUES (?, ?, ?, ?, ?, false, ?)",
            [sf_id("006", int(key[1:])), name, amount, stage, close, acc_id(acc)],
        )
    con.execute(
        "CREATE TABLE task (id VARCHAR, subject VARCHAR, is_deleted BOOLEAN, what_id VARCHAR)"
    )
    con.executemany(
        "INSERT INTO task VALUES (?, ?, false, ?)",
        [(sf_id("00T", 1), "Call Acme", acc_id("a1")), (sf_id("00T", 2), "Chase deal", sf_id("006", 1)),
         (sf_id("00T", 3), "Note to self", None)],
    )  # fmt: skip
    return con


def names_for(rows: list[tuple[object, ...]]) -> set[str]:
    by_name = {v[0]: k for k, v in ACCOUNTS.items()}
    return {by_name[r[0]] for r in rows}


@pytest.fixture(scope="session")
def run_query(db: duckdb.DuckDBPyConnection, catalog: Catalog):  # type: ignore[no-untyped-def]
    def run(soql: str, ctx: DateContext = CTX, **kwargs: object) -> list[tuple[object, ...]]:
        compiled = compile_query(soql, catalog, date_context=ctx, **kwargs)  # type: ignore[arg-type]
        return db.execute(compiled.sql).fetchall()

    return run
