"""What each SOQL operator, literal and date literal matches, row by row, in DuckDB.

One line per case: a WHERE condition on Account and the rows it must return (see the rows in
``conftest.py``). Each case runs twice: as a whole compiled query (parent paths become LEFT
JOINs) and as a bare compiled condition (parent paths become correlated subqueries).
"""

from __future__ import annotations

import pytest
from soql_fixtures import ALIVE, CTX, NOW, U1, acc_id, names_for

from pipelines.soql import DateContext, compile_condition

ALL = ",".join(sorted(ALIVE))

CASES: list[tuple[str, str]] = [
    # strings: case-insensitive, SOQL escapes, LIKE wildcards and \% \_
    ("Name = 'acme'", "a1"),
    ("Name = 'ACME LABS'", "a2"),
    ("Name != 'Acme'", "a2,a3,a4,a5,a7,a8"),
    ("Name LIKE 'acme%'", "a1,a2"),
    ("Name LIKE 'Ter%'", "a3,a4"),
    ("Name LIKE 'Ter\\%%'", "a3"),
    ("Name LIKE 'Under\\_score'", "a8"),
    ("Name LIKE 'Under_score'", "a8"),
    ("Name LIKE '_erra'", "a4"),
    ("Name LIKE 'Back\\\\%'", "a7"),
    ("Name = 'O\\'Brien'", "a5"),
    ("Name IN ('terra', 'acme')", "a1,a4"),
    ("NOT Name LIKE 'a%'", "a3,a4,a5,a7,a8"),
    # picklists and null semantics
    ("Type = 'Customer'", "a1,a2"),
    ("Type != 'Customer'", "a3,a4,a5,a7,a8"),
    ("Type <> 'Customer'", "a3,a4,a5,a7,a8"),
    ("Type = null", "a5"),
    ("Type != null", "a1,a2,a3,a4,a7,a8"),
    ("Type IN ('customer', 'PARTNER')", "a1,a2,a3,a8"),
    ("Type NOT IN ('Customer')", "a3,a4,a7,a8"),
    ("Type IN ('Prospect', null)", "a4,a5"),
    ("NOT Type = 'Customer'", "a3,a4,a5,a7,a8"),
    ("Industry = 'Tech' AND (Type = 'Customer' OR Type = 'Prospect')", "a1,a4"),
    ("Industry = 'Retail' OR Industry = 'Energy' OR Industry = null", "a2,a3,a5,a7,a8"),
    ("NOT (Industry = 'Tech' OR Industry = null)", "a3,a5,a8"),
    ("(Industry = 'Tech') AND (NOT (Type = 'Prospect'))", "a1"),
    # numbers and currency
    ("AnnualRevenue > 5000", "a2,a7"),
    ("AnnualRevenue >= 5000", "a1,a2,a7"),
    ("AnnualRevenue < 0", "a5"),
    ("AnnualRevenue = 0", "a4"),
    ("AnnualRevenue != 0", "a1,a2,a3,a5,a7,a8"),
    ("AnnualRevenue = null", "a3"),
    ("AnnualRevenue IN (0, 5000)", "a1,a4"),
    ("AnnualRevenue > -10.5", "a1,a2,a4,a5,a7,a8"),
    ("AnnualRevenue > USD5000", "a2,a7"),
    ("NumberOfEmployees <= 30", "a1,a2,a3"),
    # booleans are never null
    ("IsPartner__c = true", "a1,a5"),
    ("IsPartner__c = FALSE", "a2,a3,a4,a7,a8"),
    ("IsPartner__c != true", "a2,a3,a4,a7,a8"),
    ("IsPartner__c = null", "a2,a3,a4,a7,a8"),
    ("IsPartner__c != null", "a1,a5"),
    ("NOT IsPartner__c = true", "a2,a3,a4,a7,a8"),
    # multi-select picklists: ';' inside a string is AND, commas are OR
    ("Regions__c INCLUDES ('AMER')", "a1,a4,a7"),
    ("Regions__c INCLUDES ('AMER;EMEA')", "a1,a4"),
    ("Regions__c includes ('AMER;EMEA', 'APAC')", "a1,a2,a4"),
    ("Regions__c EXCLUDES ('EMEA')", "a2,a3,a7,a8"),
    ("Regions__c = 'AMER;EMEA'", "a1"),
    ("Regions__c INCLUDES ('AM')", ""),
    # ids: exact, 15-character ids widened
    (f"OwnerId = '{U1}'", "a1,a3"),
    (f"OwnerId = '{U1[:15]}'", "a1,a3"),
    ("OwnerId = null", "a5"),
    (f"OwnerId != '{U1}'", "a2,a4,a5,a7,a8"),
    (f"Id = '{acc_id('a2')}'", "a2"),
    # parent relationship paths (outer-join semantics)
    ("Owner.Name = 'ada admin'", "a1,a3"),
    ("Owner.Manager.Name = 'Boss'", "a1,a3"),
    ("Owner.Name = null", "a5"),
    ("Owner.Name != 'Ada Admin'", "a2,a4,a5,a7,a8"),
    ("Account.Owner.Name = 'Bob Builder'", "a2,a7"),
    # semi- and anti-joins
    ("Id IN (SELECT AccountId FROM Contact WHERE LastName = 'Smith')", "a1,a2"),
    ("Id NOT IN (SELECT AccountId FROM Opportunity)", "a4,a5,a7,a8"),
    ("Id IN (SELECT AccountId FROM Contact WHERE LastName = 'Brown')", ""),
    (
        "Id IN (SELECT AccountId FROM Opportunity WHERE Amount > 20) "
        "AND Id NOT IN (SELECT AccountId FROM Contact WHERE LastName = 'Jones')",
        "a2",
    ),
    # date literals on a datetime field; "today" is 2024-03-10 in New York, a 23-hour day
    ("CreatedDate = TODAY", "a1,a3"),
    ("CreatedDate = YESTERDAY", "a2"),
    ("CreatedDate = TOMORROW", "a4"),
    ("CreatedDate < TODAY", "a2,a5,a7,a8"),
    ("CreatedDate > TODAY", "a4"),
    ("CreatedDate <= TODAY", "a1,a2,a3,a5,a7,a8"),
    ("CreatedDate >= TODAY", "a1,a3,a4"),
    ("CreatedDate != TODAY", "a2,a4,a5,a7,a8"),
    ("CreatedDate = THIS_WEEK", "a1,a3,a4"),
    ("CreatedDate = LAST_WEEK", "a2,a8"),
    ("CreatedDate = LAST_N_DAYS:7", "a1,a2,a8"),
    ("CreatedDate = last_n_days : 7", "a1,a2,a8"),
    ("CreatedDate = THIS_YEAR", "a1,a2,a3,a4,a7,a8"),
    ("CreatedDate = LAST_YEAR", "a5"),
    ("CreatedDate = N_DAYS_AGO:1", "a2"),
    ("CreatedDate = THIS_MONTH", "a1,a2,a3,a4,a8"),
    ("CreatedDate IN (YESTERDAY, TOMORROW)", "a2,a4"),
    ("CreatedDate > 2024-03-10T05:00:00Z", "a3,a4"),
    ("CreatedDate >= 2024-03-10T00:00:00-05:00", "a1,a3,a4"),
    ("CreatedDate = LAST_90_DAYS", "a1,a2,a5,a7,a8"),
    ("CreatedDate = NEXT_N_DAYS:1", "a4"),
    ("CreatedDate = THIS_QUARTER", "a1,a2,a3,a4,a7,a8"),
    ("CreatedDate = LAST_N_MONTHS:3", "a5,a7"),
    # date literals on a date field
    ("Contract_End_Date__c = TODAY", "a1"),
    ("Contract_End_Date__c = TOMORROW", "a3"),
    ("Contract_End_Date__c = LAST_N_DAYS:1", "a1,a2"),
    ("Contract_End_Date__c = NEXT_N_DAYS:21", "a3,a4"),
    ("Contract_End_Date__c < THIS_MONTH", "a5,a7"),
    ("Contract_End_Date__c = 2024-03-10", "a1"),
    ("Contract_End_Date__c > 2024-03-10", "a3,a4"),
    ("Contract_End_Date__c != 2024-03-10", "a2,a3,a4,a5,a7,a8"),
    ("Contract_End_Date__c = null", "a8"),
    ("Contract_End_Date__c = LAST_90_DAYS", "a1,a2,a5,a7"),
    ("Contract_End_Date__c = NEXT_90_DAYS", "a3,a4"),
    ("Contract_End_Date__c > LAST_YEAR", "a1,a2,a3,a4,a7"),
    ("Contract_End_Date__c IN (TODAY, 2024-03-31)", "a1,a4"),
    # date functions: UTC unless convertTimezone()
    ("CALENDAR_YEAR(CreatedDate) = 2023", "a5"),
    ("CALENDAR_MONTH(Contract_End_Date__c) = 3", "a1,a2,a3,a4"),
    ("DAY_IN_WEEK(Contract_End_Date__c) = 1", "a1,a4,a5"),
    ("HOUR_IN_DAY(CreatedDate) = 4", "a2,a4"),
    ("HOUR_IN_DAY(convertTimezone(CreatedDate)) = 0", "a1,a4,a5,a7,a8"),
    ("DAY_ONLY(CreatedDate) = 2024-03-11", "a3,a4"),
]


def _expected(text: str) -> set[str]:
    return set(text.split(",")) if text else set()


@pytest.mark.parametrize(("condition", "expected"), CASES, ids=[c for c, _ in CASES])
def test_condition_in_query(run_query, condition: str, expected: str) -> None:
    rows = run_query(f"SELECT Name FROM Account WHERE {condition}")
    assert names_for(rows) == _expected(expected)


@pytest.mark.parametrize(("condition", "expected"), CASES, ids=[c for c, _ in CASES])
def test_bare_condition(db, catalog, condition: str, expected: str) -> None:
    compiled = compile_condition(condition, "Account", catalog, table_alias="a", date_context=CTX)
    rows = db.execute(
        f"SELECT a.name FROM account AS a WHERE NOT a.is_deleted AND ({compiled.sql})"
    ).fetchall()
    assert names_for(rows) == _expected(expected)


CONTEXT_CASES = [
    # week starting Monday (en_GB): Mon 4 March .. Sun 10 March
    (DateContext(now=NOW, time_zone="America/New_York", week_start=1), "CreatedDate = THIS_WEEK", "a1,a2,a3"),
    # fiscal year starting in April: FY2024 = April 2023 .. March 2024
    (DateContext(now=NOW, time_zone="America/New_York", fiscal_year_start_month=4), "CreatedDate = THIS_FISCAL_YEAR", ALL),
    (DateContext(now=NOW, time_zone="America/New_York", fiscal_year_start_month=4), "CreatedDate = THIS_FISCAL_QUARTER", "a1,a2,a3,a4,a7,a8"),
    (DateContext(now=NOW, time_zone="America/New_York", fiscal_year_start_month=4), "FISCAL_YEAR(Contract_End_Date__c) = 2024", "a1,a2,a3,a4,a5,a7"),
    (DateContext(now=NOW, time_zone="America/New_York", fiscal_year_start_month=4), "FISCAL_QUARTER(Contract_End_Date__c) = 4", "a1,a2,a3,a4,a7"),
    (DateContext(now=NOW, time_zone="America/New_York", fiscal_year_start_month=4), "FISCAL_MONTH(Contract_End_Date__c) = 12", "a1,a2,a3,a4"),
    # the same instant seen from UTC: "today" is now 2024-03-10 00:00Z .. 2024-03-11 00:00Z
    (DateContext(now=NOW, time_zone="UTC"), "CreatedDate = TODAY", "a1,a2"),
    # Berlin: a1..a3 fall on 10 or 11 March local time
    (DateContext(now=NOW, time_zone="Europe/Berlin"), "CreatedDate = TOMORROW", "a3,a4"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("ctx", "condition", "expected"), CONTEXT_CASES, ids=[c for _, c, _ in CONTEXT_CASES]
)
def test_date_context(run_query, ctx: DateContext, condition: str, expected: str) -> None:
    assert names_for(run_query(f"SELECT Name FROM Account WHERE {condition}", ctx)) == _expected(
        expected
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("AnnualRevenue > USD1000000", "a2"),
        ("AnnualRevenue < EUR100", "a4,a5,a8"),
        ("AnnualRevenue >= USD0", "a1,a2,a4,a7,a8"),
    ],
)
def test_currency_literals_convert_per_record(run_query, condition: str, expected: str) -> None:
    rates = {"USD": 1.0, "EUR": 0.5}  # 1 USD = 0.5 EUR
    rows = run_query(f"SELECT Name FROM Account WHERE {condition}", currency_rates=rates)
    assert names_for(rows) == _expected(expected)


def test_query_all_includes_deleted_rows(run_query) -> None:
    assert names_for(run_query("SELECT Name FROM Account WHERE Type = 'Customer'")) == {"a1", "a2"}
    deleted = run_query("SELECT Name FROM Account WHERE Type = 'Customer'", include_deleted=True)
    assert names_for(deleted) == {"a1", "a2", "a6"}
    assert names_for(
        run_query("SELECT Name FROM Account WHERE IsDeleted = true", include_deleted=True)
    ) == {"a6"}


ORDER_CASES = [
    ("ORDER BY Name", "a1,a2,a7,a5,a3,a4,a8"),
    ("ORDER BY Name DESC", "a8,a4,a3,a5,a7,a2,a1"),
    ("ORDER BY AnnualRevenue", "a3,a5,a4,a8,a1,a7,a2"),
    ("ORDER BY AnnualRevenue DESC", "a2,a7,a1,a8,a4,a5,a3"),
    ("ORDER BY AnnualRevenue DESC NULLS FIRST", "a3,a2,a7,a1,a8,a4,a5"),
    ("ORDER BY AnnualRevenue ASC NULLS LAST", "a5,a4,a8,a1,a7,a2,a3"),
    ("ORDER BY Type, Name", "a5,a4,a1,a2,a3,a8,a7"),
    ("ORDER BY Owner.Name NULLS LAST, Name", "a1,a3,a2,a7,a4,a8,a5"),
    ("ORDER BY Name LIMIT 2 OFFSET 1", "a2,a7"),
]


@pytest.mark.parametrize(("clause", "expected"), ORDER_CASES, ids=[c for c, _ in ORDER_CASES])
def test_order_limit_offset(run_query, clause: str, expected: str) -> None:
    by_name = {v[0]: k for k, v in __import__("soql_fixtures").ACCOUNTS.items()}
    rows = run_query(f"SELECT Name FROM Account {clause}")
    assert [by_name[r[0]] for r in rows] == expected.split(",")


def test_aggregates_group_by_having(run_query) -> None:
    rows = run_query(
        "SELECT Industry, COUNT(Id) n FROM Account GROUP BY Industry ORDER BY Industry NULLS LAST"
    )
    assert rows == [("Energy", 1), ("Retail", 2), ("Tech", 2), (None, 2)]
    rows = run_query(
        "SELECT Industry, SUM(AnnualRevenue) total FROM Account GROUP BY Industry "
        "HAVING SUM(AnnualRevenue) > 1000 ORDER BY SUM(AnnualRevenue) DESC"
    )
    assert rows == [(None, 1250000.0), ("Tech", 5000.0)]
    assert run_query(
        "SELECT COUNT_DISTINCT(Industry), MAX(AnnualRevenue), MIN(CreatedDate) FROM Account"
    )[0][:2] == (3, 1000000.0)
    rows = run_query(
        "SELECT CALENDAR_YEAR(CreatedDate) y, COUNT(Id) FROM Account GROUP BY ROLLUP(CALENDAR_YEAR(CreatedDate))"
    )
    assert sorted(rows, key=lambda r: (r[0] is None, r[0])) == [(2023, 1), (2024, 6), (None, 7)]


def test_count(run_query) -> None:
    assert run_query("SELECT COUNT() FROM Account") == [(7,)]
    assert run_query("SELECT COUNT() FROM Account WHERE Industry = 'Tech'") == [(2,)]
    assert run_query("SELECT COUNT() FROM Account LIMIT 3") == [(3,)]
    assert run_query("SELECT COUNT() FROM Account", include_deleted=True) == [(8,)]


def test_parent_fields_in_select(run_query) -> None:
    rows = run_query("SELECT Name, Owner.Name, Owner.Manager.Name FROM Account WHERE Name = 'Acme'")
    assert [r[:3] for r in rows] == [("Acme", "Ada Admin", "Boss")]
    rows = run_query("SELECT Name, Owner.Name FROM Account WHERE Owner.Name = null")
    assert [r[:2] for r in rows] == [("O'Brien", None)]


def test_child_subquery_per_parent_limit(db, catalog) -> None:
    from pipelines.soql import compile_query

    compiled = compile_query(
        "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName LIMIT 1) FROM Account ORDER BY Name",
        catalog,
    )
    parents = db.execute(compiled.sql).fetchall()
    parent_ids = [r[-1] for r in parents]
    child = compiled.children[0]
    assert (child.relationship, child.object) == ("Contacts", "Contact")
    rows = db.execute(child.query.sql, {"parent_ids": parent_ids}).fetchall()
    key = [c.alias for c in child.query.columns].index(child.parent_key_alias)
    got = {r[key]: r[0] for r in rows}
    assert got == {acc_id("a1"): "Jones", acc_id("a2"): "Smith", acc_id("a4"): "Adams"}


def test_child_subquery_skips_deleted_children(db, catalog) -> None:
    from pipelines.soql import compile_query

    compiled = compile_query(
        "SELECT Id, (SELECT LastName FROM Account.Contacts) FROM Account WHERE Name = 'Acme'",
        catalog,
    )
    child = compiled.children[0]
    rows = db.execute(child.query.sql, {"parent_ids": [acc_id("a1")]}).fetchall()
    assert sorted(r[0] for r in rows) == ["Jones", "Smith"]


def test_typeof_picks_the_branch_of_each_row(db, catalog) -> None:
    from pipelines.soql import compile_query

    compiled = compile_query(
        "SELECT Subject, TYPEOF What WHEN Account THEN Industry WHEN Opportunity THEN Amount, StageName "
        "ELSE Name END FROM Task ORDER BY Subject",
        catalog,
    )
    names = [c.alias for c in compiled.columns]
    rows = [dict(zip(names, r, strict=True)) for r in db.execute(compiled.sql).fetchall()]
    info = compiled.parents[("What",)]
    assert [(r["Subject"], r[info.type_alias]) for r in rows] == [
        ("Call Acme", "Account"), ("Chase deal", "Opportunity"), ("Note to self", None)
    ]  # fmt: skip
    by_branch = {c.alias: c.branch for c in compiled.columns}
    acme, deal = rows[0], rows[1]
    assert (
        acme["What.Account.Industry"] == "Tech" and by_branch["What.Account.Industry"] == "Account"
    )
    assert (deal["What.Opportunity.Amount"], deal["What.Opportunity.StageName"]) == (
        100.0,
        "Closed Won",
    )
    assert (acme["What.*.Name"], deal["What.*.Name"]) == ("Acme", "Big deal")


def test_polymorphic_type_field(db, catalog) -> None:
    compiled = compile_condition("What.Type = 'Opportunity'", "Task", catalog, table_alias="t")
    rows = db.execute(f"SELECT t.subject FROM task t WHERE {compiled.sql}").fetchall()
    assert rows == [("Chase deal",)]
