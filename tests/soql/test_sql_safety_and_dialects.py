"""Admin text never reaches SQL as text, and the SQL is right for each dialect."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest
import sqlglot
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from pipelines.soql import DateContext, SoqlError, compile_condition, compile_query
from pipelines.soql.catalog import standard_catalog
from pipelines.soql.naming import snake_case

CTX = DateContext(now=datetime(2024, 5, 1, 12, tzinfo=UTC))

INJECTIONS = [
    "Name = 'x\\'; DROP TABLE account; --'",
    "Name = 'x\\' OR 1=1 --'",
    "Name LIKE '%\\'); DELETE FROM account; --'",
    "Name IN ('a\\'', 'b\\\\', 'c\\\"')",
    "Name = '\\u0027 OR \\u0027\\u0027=\\u0027'",
]


@pytest.fixture()
def warehouse(tmp_path) -> duckdb.DuckDBPyConnection:  # type: ignore[no-untyped-def]
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE account (id VARCHAR, name VARCHAR, is_deleted BOOLEAN)")
    con.execute(
        "INSERT INTO account VALUES ('001000000000001AAA', 'Acme', false), ('001000000000002AAA', 'x''', false)"
    )
    return con


@pytest.mark.parametrize("condition", INJECTIONS)
def test_injection_attempts_stay_literals(
    warehouse: duckdb.DuckDBPyConnection, condition: str
) -> None:
    compiled = compile_condition(condition, "Account", table_alias="a")
    rows = warehouse.execute(f"SELECT a.name FROM account a WHERE {compiled.sql}").fetchall()
    assert warehouse.execute("SELECT count(*) FROM account").fetchone() == (2,)
    assert rows == [] or rows == [("x'",)]
    # The statement is one boolean expression: sqlglot reads it back as exactly that.
    parsed = sqlglot.parse(f"SELECT 1 FROM account a WHERE {compiled.sql}", read="duckdb")
    assert len(parsed) == 1


def test_quote_inside_value_matches_exactly(warehouse: duckdb.DuckDBPyConnection) -> None:
    compiled = compile_condition("Name = 'X\\''", "Account", table_alias="a")
    assert warehouse.execute(f"SELECT a.name FROM account a WHERE {compiled.sql}").fetchall() == [
        ("x'",)
    ]


@pytest.mark.parametrize(
    "identifier",
    ['Name" = 1 OR "1', "Name; DROP TABLE account", "Name--", "Na me", "`Name`", "Name/**/"],
)
def test_identifiers_only_come_from_the_catalog(identifier: str) -> None:
    with pytest.raises(SoqlError):
        compile_condition(f"{identifier} = 'x'", "Account")


@seed(11)
@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=40))
def test_any_string_value_round_trips_as_a_literal(value: str) -> None:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    compiled = compile_condition(f"Name = '{escaped}'", "Account", table_alias="a")
    con = duckdb.connect()
    con.execute("CREATE TABLE account (name VARCHAR)")
    con.execute("INSERT INTO account VALUES (?)", [value])
    got = con.execute(f"SELECT count(*) FROM account a WHERE {compiled.sql}").fetchone()
    # Case-insensitive equality must match the value itself (LOWER on both sides).
    assert got == (1,)


GOLDEN = [
    (
        "Type = 'Customer' AND AnnualRevenue > 1000",
        'LOWER("a"."type") = \'customer\' AND "a"."annual_revenue" > 1000',
        'LOWER("a"."type") = \'customer\' AND "a"."annual_revenue" > 1000',
    ),
    (
        "Name LIKE 'Ac\\%me%'",
        'LOWER("a"."name") LIKE \'ac\\%me%\' ESCAPE \'\\\'',
        'LOWER("a"."name") LIKE \'ac\\%me%\' ESCAPE \'\\\'',
    ),
    (
        "IsDeleted = false AND Industry != 'Energy'",
        'COALESCE("a"."is_deleted", FALSE) = FALSE AND LOWER("a"."industry") IS DISTINCT FROM \'energy\'',
        'COALESCE("a"."is_deleted", FALSE) = FALSE AND LOWER("a"."industry") IS DISTINCT FROM \'energy\'',
    ),
    (
        "CreatedDate = LAST_N_DAYS:2",
        '("a"."created_date" >= CAST(\'2024-04-29 00:00:00+00:00\' AS TIMESTAMPTZ) AND "a"."created_date" <= CAST(\'2024-05-01 12:00:00+00:00\' AS TIMESTAMPTZ))',
        '("a"."created_date" >= CAST(\'2024-04-29 00:00:00+00:00\' AS TIMESTAMPTZ) AND "a"."created_date" <= CAST(\'2024-05-01 12:00:00+00:00\' AS TIMESTAMPTZ))',
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("condition", "duckdb_sql", "postgres_sql"), GOLDEN, ids=[g[0] for g in GOLDEN]
)
def test_golden_sql_per_dialect(condition: str, duckdb_sql: str, postgres_sql: str) -> None:
    for dialect, expected in (("duckdb", duckdb_sql), ("postgres", postgres_sql)):
        got = compile_condition(
            condition, "Account", table_alias="a", dialect=dialect, date_context=CTX
        ).sql
        assert got == expected


QUERIES = [
    "SELECT Name, Owner.Name FROM Account WHERE Industry LIKE 'Tech%' ORDER BY Name DESC NULLS LAST LIMIT 10 OFFSET 2",
    "SELECT StageName, SUM(Amount) s FROM Opportunity GROUP BY CUBE(StageName) HAVING SUM(Amount) > 10",
    "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email LIKE '%@acme.com')",
    "SELECT CALENDAR_YEAR(CreatedDate) y, COUNT(Id) FROM Case GROUP BY CALENDAR_YEAR(CreatedDate)",
    "SELECT COUNT() FROM Contact WHERE Account.Type = 'Customer' LIMIT 100",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "snowflake", "bigquery"])
def test_whole_queries_parse_back_in_their_dialect(query: str, dialect: str) -> None:
    compiled = compile_query(query, standard_catalog(), dialect=dialect, date_context=CTX)
    assert compiled.dialect == dialect
    sqlglot.parse_one(compiled.sql, read=dialect)


def test_postgres_keeps_explicit_null_ordering() -> None:
    sql = compile_query(
        "SELECT Name FROM Account ORDER BY Name DESC", dialect="postgres", date_context=CTX
    ).sql
    assert 'ORDER BY LOWER("t0"."name") DESC NULLS LAST' in sql
    sql = compile_query(
        "SELECT Name FROM Account ORDER BY Name", dialect="postgres", date_context=CTX
    ).sql
    assert "NULLS FIRST" in sql


def test_schema_qualifies_tables() -> None:
    sql = compile_query(
        "SELECT Name, Owner.Name FROM Account", schema="salesforce", date_context=CTX
    ).sql
    assert 'FROM "salesforce"."account" AS "t0" LEFT JOIN "salesforce"."user"' in sql


@pytest.mark.parametrize(
    "name",
    ["Id", "AnnualRevenue", "CSM__c", "Account_Health__c", "ns__Field__c", "X18_Digit__c", "HTMLBody",
     "MSP1__c", "SystemModstamp", "BillingGeocodeAccuracy", "LastModifiedById", "Is_VIP_Customer__c"],
)  # fmt: skip
def test_naming_matches_dlt(name: str) -> None:
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    assert snake_case(name) == NamingConvention().normalize_identifier(name)


@seed(3)
@settings(max_examples=500, deadline=None, database=None)
@given(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,30}", fullmatch=True))
def test_naming_matches_dlt_for_any_api_name(name: str) -> None:
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    assert snake_case(name) == NamingConvention().normalize_identifier(name)


def test_every_standard_field_gets_a_distinct_column() -> None:
    for obj in standard_catalog():
        columns = [snake_case(f.name) for f in obj.iter_fields()]
        assert len(columns) == len(set(columns)), obj.name
